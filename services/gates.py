"""Gate actions: complete or waive an item, sign, reject, and read a gate's state.

A refusal is raised as `Forbidden`; the unit of work (services.uow) audits it after rollback.

Every action locks the project row first, so two people acting on one gate queue up and
no write is lost; each change bumps the gate's version and goes into the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from implflow.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from implflow.gates import rules
from implflow.gates.rules import Evaluation
from implflow.methodology.schema import Gate, Phase
from implflow.services import documents, lookup, signatures
from implflow.services import evidence as evidence_
from implflow.services import facts as facts_
from implflow.services.writes import Action, requires
from implflow.store import audit
from implflow.store.models import (
    ChecklistEntry,
    GateRecord,
    PhaseState,
    Project,
    SignOff,
    Waiver,
    utcnow,
)


@dataclass(frozen=True)
class GateContext:
    proj: Project
    rec: GateRecord
    phase: Phase
    gate: Gate


def context(session: Session, project_key: str, gate_key: str, *, lock: bool) -> GateContext:
    proj = lookup.project(session, project_key, lock=lock)
    phase, gate = lookup.gate_def(proj, gate_key)
    return GateContext(proj, lookup.gate_record(session, proj, gate_key), phase, gate)


def _writable(session: Session, ctx: GateContext) -> None:
    if ctx.rec.status == "passed":
        raise Conflict(f"gate {ctx.gate.key} has already passed")
    state = session.exec(
        select(PhaseState).where(
            PhaseState.project_id == ctx.proj.id, PhaseState.phase_key == ctx.phase.key
        )
    ).one()
    if state.status == "locked":
        raise Conflict(f"phase {ctx.phase.key} is not open yet; its gate {ctx.gate.key} waits")


def _changed(
    session: Session, ctx: GateContext, actor: str, action: str, target: str, detail: dict
) -> None:
    """Bump the gate's version and write the change to the audit log."""
    ctx.rec.version += 1
    session.add(ctx.rec)
    session.flush()
    audit.append(
        session, chain=ctx.proj.key, actor=actor, action=action, target=target, detail=detail
    )


def _item(ctx: GateContext, item_key: str) -> None:
    if ctx.gate.item(item_key) is None:
        keys = ", ".join(i.key for i in ctx.gate.checklist)
        raise NotFound(f"gate {ctx.gate.key} has no item {item_key!r} (items: {keys})")


def _member_roles(session: Session, ctx: GateContext, handle: str) -> set[str]:
    held = lookup.roles_of(session, ctx.proj, lookup.person(session, handle))
    if not held:
        raise Forbidden(f"{handle} is not a member of project {ctx.proj.key}")
    return held


@requires(Action.COMPLETE_ITEM)
def complete_item(
    session: Session,
    *,
    project_key: str,
    gate_key: str,
    item_key: str,
    actor: str,
    note: str = "",
    evidence: Path | evidence_.StoredEvidence | None = None,
    url: str | None = None,
) -> ChecklistEntry:
    """Mark an item done, with a note and evidence (a stored file with its sha256, or a URL)."""
    ctx = context(session, project_key, gate_key, lock=True)
    _item(ctx, item_key)
    _writable(session, ctx)
    who = lookup.person(session, actor)
    _member_roles(session, ctx, actor)
    item = ctx.gate.item(item_key)
    if url is not None and not _web_url(url):
        raise InvalidInput(f"evidence URL must be https:// or http:// with a host, not {url!r}")
    if item is not None and item.evidence and evidence is None and not url:
        raise InvalidInput(f"item {item_key} needs evidence: give --evidence FILE or --url")
    entry = session.exec(
        select(ChecklistEntry).where(
            ChecklistEntry.gate_id == ctx.rec.id, ChecklistEntry.item_key == item_key
        )
    ).first() or ChecklistEntry(gate_id=ctx.rec.id, item_key=item_key, person_id=who.id)
    entry.person_id, entry.note, entry.evidence_url = who.id, note, url
    entry.at = utcnow()
    if evidence is not None:
        stored = evidence_.adopt(ctx.proj.key, evidence)
        entry.evidence_path, entry.evidence_sha256, entry.evidence_name = stored
    session.add(entry)
    _drop_waiver(session, ctx, item_key)
    _changed(
        session,
        ctx,
        actor,
        "item.complete",
        f"{gate_key}/{item_key}",
        {"note": note, "url": url, "evidence_sha256": entry.evidence_sha256},
    )
    return entry


def _drop_waiver(session: Session, ctx: GateContext, item_key: str) -> None:
    waiver = session.exec(
        select(Waiver).where(Waiver.gate_id == ctx.rec.id, Waiver.item_key == item_key)
    ).first()
    if waiver is not None:
        session.delete(waiver)


@requires(Action.WAIVE_ITEM)
def waive_item(
    session: Session, *, project_key: str, gate_key: str, item_key: str, actor: str, reason: str
) -> Waiver:
    """Waive an item, with a reason, by a role the gate allows to waive."""
    ctx = context(session, project_key, gate_key, lock=True)
    _item(ctx, item_key)
    _writable(session, ctx)
    who = lookup.person(session, actor)
    role = rules.check_waiver(ctx.gate, item_key, _member_roles(session, ctx, actor), reason)
    waiver = session.exec(
        select(Waiver).where(Waiver.gate_id == ctx.rec.id, Waiver.item_key == item_key)
    ).first()
    waiver = waiver or Waiver(
        gate_id=ctx.rec.id, item_key=item_key, person_id=who.id, role=role, reason=reason
    )
    waiver.person_id, waiver.role, waiver.reason = who.id, role, reason
    session.add(waiver)
    _changed(
        session,
        ctx,
        actor,
        "item.waive",
        f"{gate_key}/{item_key}",
        {"role": role, "reason": reason},
    )
    return waiver


@requires(Action.SIGN)
def sign(
    session: Session,
    *,
    project_key: str,
    gate_key: str,
    actor: str,
    role: str,
    comment: str = "",
    meaning: str | None = None,
    proven_by: str = "",
    on_behalf_of: str | None = None,
    scan: evidence_.StoredEvidence | None = None,
) -> Evaluation:
    """Approve a gate for a role; the signature covers the documents as rendered now.

    With `on_behalf_of`, `actor` records a signature the signer gave on paper, `scan` its page.
    """
    ctx = context(session, project_key, gate_key, lock=True)
    _writable(session, ctx)
    _require_open(ctx)
    signer = on_behalf_of or actor
    who = lookup.person(session, signer)
    rules.check_signer(ctx.gate, role, _member_roles(session, ctx, signer))
    state = facts_.read(session, ctx.proj, ctx.rec)  # the gate's rows, read once for the action
    facts = facts_.facts_from(state, ctx.gate)
    rules.check_four_eyes(ctx.gate, signer, facts, role)
    shas = documents.render_drafts(session, ctx.proj, ctx.rec, ctx.phase, ctx.gate, actor=actor)
    rules.check_ready(ctx.gate, rules.evaluate(ctx.gate, facts))
    how = signatures.given(
        session,
        lookup.methodology(ctx.proj),
        actor=actor,
        signer=who,
        role=role,
        meaning_chosen=meaning,
        proven_by=proven_by,
        scan=scan,
    )
    _void_own(session, state, who.id, role)
    session.add(
        SignOff(
            gate_id=ctx.rec.id,
            person_id=who.id,
            role=role,
            decision="approve",
            comment=comment,
            documents=shas,
            **how.columns(),
        )
    )
    _changed(
        session,
        ctx,
        actor,
        "gate.sign",
        gate_key,
        {"role": role, "comment": comment, "documents": shas, **how.audit()},
    )
    return facts_.after_signing(ctx.gate, facts, who.handle, role, shas)


def _require_open(ctx: GateContext) -> None:
    if ctx.rec.status != "open":
        raise Conflict(
            f"gate {ctx.gate.key} is not open: run phase {ctx.phase.key} to reach it first"
        )


def _void_own(session: Session, state: facts_.GateRead, person_id: int | None, role: str) -> None:
    """A second signature by the same person for the same role replaces the first."""
    for s in state.signoffs:
        if (s.person_id, s.role, s.decision, s.voided) == (person_id, role, "approve", False):
            s.voided, s.void_reason = True, "replaced by a later signature"
            session.add(s)


@requires(Action.REJECT)
def reject(
    session: Session, *, project_key: str, gate_key: str, actor: str, role: str, reason: str
) -> None:
    """Reject a gate: reopen it with the reason and void every approval given so far."""
    if not reason.strip():
        raise InvalidInput("a rejection needs a reason")
    ctx = context(session, project_key, gate_key, lock=True)
    _writable(session, ctx)
    _require_open(ctx)
    who = lookup.person(session, actor)
    rules.check_signer(ctx.gate, role, _member_roles(session, ctx, actor))
    voided = 0
    for s in session.exec(
        select(SignOff).where(
            SignOff.gate_id == ctx.rec.id,
            SignOff.decision == "approve",
            col(SignOff.voided).is_(False),
        )
    ):
        s.voided, s.void_reason = True, f"gate rejected by {actor}: {reason}"
        session.add(s)
        voided += 1
    session.add(
        SignOff(gate_id=ctx.rec.id, person_id=who.id, role=role, decision="reject", comment=reason)
    )
    ctx.rec.last_rejection = f"{actor} ({role}): {reason}"
    _changed(
        session,
        ctx,
        actor,
        "gate.reject",
        gate_key,
        {"role": role, "reason": reason, "voided": voided},
    )


def _web_url(url: str) -> bool:
    """An http(s) URL naming a host (`http://` alone is no address)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)
