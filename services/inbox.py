"""A person's inbox: the open gates waiting on them — items they own, signatures wanted, due
dates (opened + the pack's SLA days) — overdue first, then by due date."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from implflow.services import facts as facts_
from implflow.services import lookup
from implflow.services.auth.principal import as_utc
from implflow.services.permissions import PMO_ROLE, item_owners
from implflow.store.models import GateRecord, Membership, Project, utcnow


@dataclass(frozen=True)
class WaitingItem:
    key: str
    text: str
    evidence: bool


@dataclass(frozen=True)
class WaitingGate:
    """One open gate and what it waits for from this person."""

    project: str
    project_name: str
    client: str
    phase: str
    gate: str
    title: str
    version: int
    opened_at: datetime | None
    due_at: datetime | None
    overdue: bool
    items: list[WaitingItem]
    signatures: list[str]  # roles this person holds that still have to sign
    ready_for_signoff: bool  # items and criteria done: a signature would be taken now
    waiting_for: str


def _roles_by_project(session: Session, person_id: int, is_pmo: bool) -> dict[int, set[str]]:
    roles: dict[int, set[str]] = defaultdict(set)
    for pid, role in session.exec(
        select(Membership.project_id, Membership.role).where(Membership.person_id == person_id)
    ):
        roles[pid].add(role)
    if is_pmo:
        for pid in session.exec(select(Project.id)):
            roles[pid].add(PMO_ROLE)
    return roles


def inbox(
    session: Session, *, person_id: int, is_pmo: bool = False, locale: str = "en"
) -> list[WaitingGate]:
    """The open gates of the person's projects where they own an open item or a signature."""
    roles = _roles_by_project(session, person_id, is_pmo)
    if not roles:
        return []
    now = utcnow()
    stmt = (
        select(GateRecord, Project)
        .join(Project, col(Project.id) == GateRecord.project_id)
        .where(GateRecord.status == "open", col(GateRecord.project_id).in_(list(roles)))
    )
    found = []
    for rec, proj in session.exec(stmt):
        waiting = _waiting(session, proj, rec, roles[proj.id], locale, now)
        if waiting is not None:
            found.append(waiting)
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(found, key=lambda w: (not w.overdue, w.due_at or far, w.project, w.gate))


def _waiting(
    session: Session,
    proj: Project,
    rec: GateRecord,
    held: set[str],
    locale: str,
    now: datetime,
) -> WaitingGate | None:
    m = lookup.methodology(proj)
    phase, gate = lookup.gate_def(proj, rec.gate_key)
    ev = facts_.evaluation(session, proj, rec, gate)
    items = []
    for key in ev.open_items:
        owners = item_owners(m, gate, key)
        if owners is None or held & set(owners):
            item = gate.item(key)
            assert item is not None
            items.append(WaitingItem(key, item.text.get(locale), item.evidence))
    signatures = [r for r in ev.missing_roles if r in held]
    if not items and not signatures:
        return None
    due = as_utc(rec.due_at) if rec.due_at else None
    return WaitingGate(
        project=proj.key,
        project_name=proj.name,
        client=proj.client,
        phase=phase.key,
        gate=gate.key,
        title=gate.title.get(locale),
        version=rec.version,
        opened_at=as_utc(rec.opened_at) if rec.opened_at else None,
        due_at=due,
        overdue=bool(due and now > due),
        items=items,
        signatures=signatures,
        ready_for_signoff=ev.ready_for_signoff,
        waiting_for=ev.waiting_for(),
    )
