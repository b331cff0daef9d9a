"""The PMO's portfolio: each project's phase, the gate it waits at, for what and whom, how long.

Reads the whole portfolio in a fixed number of queries, whatever the number of projects.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from implflow.core.errors import ImplflowError
from implflow.gates.registry import RecordsData, evaluate_criterion
from implflow.gates.rules import Approval, GateFacts, evaluate
from implflow.services import lookup, runs
from implflow.store.models import (
    ChecklistEntry,
    Document,
    GateRecord,
    Membership,
    Person,
    PhaseRun,
    PhaseState,
    Project,
    ProjectRecord,
    SignOff,
    Waiver,
    utcnow,
)


class LastRun(BaseModel):
    """The project's most recent phase run and how it ended (running, Failed, Crashed, ...)."""

    phase: str
    outcome: str
    message: str
    started_at: datetime

    @classmethod
    def of(cls, run: PhaseRun | None) -> LastRun | None:
        if run is None:
            return None
        return cls(
            phase=run.phase_key, outcome=run.outcome, message=run.message, started_at=run.started_at
        )

    def line(self) -> str:
        """One cell of the status table: what ran and, when it went wrong, why."""
        text = f"{self.phase} {self.outcome}"
        return f"{text}: {self.message}" if self.outcome in (runs.FAILED, runs.CRASHED) else text


class StatusRow(BaseModel):
    project: str
    name: str
    system: str
    phase: str
    gate: str | None
    gate_status: str | None
    waiting_for: str
    whom: list[str]
    days_waiting: int | None
    overdue: bool
    last_rejection: str | None
    error: str | None = None  # why the gate cannot be evaluated (e.g. its pack is refused)
    last_run: LastRun | None = None


def _aware(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


class _Bulk:
    """Every row the portfolio needs, read once and grouped by project or gate."""

    def __init__(self, session: Session) -> None:
        self.projects = list(session.exec(select(Project).order_by(Project.key)))
        self.phases = _group(
            session.exec(select(PhaseState).order_by(PhaseState.order)), "project_id"
        )
        self.gates = _group(
            session.exec(select(GateRecord).order_by(col(GateRecord.id))), "project_id"
        )
        self.handles = dict(session.exec(select(Person.id, Person.handle)).all())
        self.records = defaultdict(lambda: defaultdict(list))  # type: ignore[var-annotated]
        for r in session.exec(
            select(ProjectRecord).order_by(ProjectRecord.kind, col(ProjectRecord.key))
        ):
            self.records[r.project_id][r.kind].append(r.data)
        self.entries = _group(session.exec(select(ChecklistEntry)), "gate_id")
        self.waivers = _group(session.exec(select(Waiver)), "gate_id")
        self.signoffs = _group(
            session.exec(
                select(SignOff).where(SignOff.decision == "approve", col(SignOff.voided).is_(False))
            ),
            "gate_id",
        )
        self.docs = _group(
            session.exec(select(Document).order_by(col(Document.version))), "project_id"
        )
        self.members = _group(session.exec(select(Membership)), "project_id")
        self.last_runs = runs.latest(session)


def _group(rows: Any, attr: str) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = defaultdict(list)
    for r in rows:
        out[getattr(r, attr)].append(r)
    return out


def portfolio(session: Session) -> list[StatusRow]:
    """One status row per project; runs whose process died are marked Crashed first."""
    runs.mark_stale(session)
    bulk = _Bulk(session)
    now = utcnow()
    return [_row(bulk, p, now) for p in bulk.projects]


def _row(bulk: _Bulk, proj: Project, now: datetime) -> StatusRow:
    current = next((s for s in bulk.phases[proj.id] if s.status != "passed"), None)
    base = {
        "project": proj.key,
        "name": proj.name,
        "system": proj.system,
        "whom": [],
        "days_waiting": None,
        "overdue": False,
        "last_rejection": None,
        "gate": None,
        "gate_status": None,
        "last_run": LastRun.of(bulk.last_runs.get(proj.id)),
    }
    if current is None:
        return StatusRow(**base, phase="completed", waiting_for="nothing: all gates passed")
    rec = next(
        g for g in bulk.gates[proj.id] if g.phase_key == current.phase_key and g.status != "passed"
    )
    base.update(gate=rec.gate_key, gate_status=rec.status, last_rejection=rec.last_rejection)
    if rec.status == "pending":
        return StatusRow(
            **base, phase=current.phase_key, waiting_for=f"PMO to run phase {current.phase_key}"
        )
    try:
        ev_missing, waiting = _evaluate(bulk, proj, rec)
    except ImplflowError as exc:  # one project's broken pack must not hide the others
        return StatusRow(
            **base, phase=current.phase_key, waiting_for=f"cannot evaluate: {exc}", error=str(exc)
        )
    opened = _aware(rec.opened_at)
    due = _aware(rec.due_at)
    base.update(
        whom=_whom(bulk, proj, ev_missing),
        overdue=bool(due and now > due),
        days_waiting=(now - opened).days if opened else None,
    )
    return StatusRow(**base, phase=current.phase_key, waiting_for=waiting)


def _evaluate(bulk: _Bulk, proj: Project, rec: GateRecord) -> tuple[list[str], str]:
    gate = lookup.gate_def(proj, rec.gate_key)[1]
    data = RecordsData(bulk.records[proj.id])
    docs = {
        f"{d.doc_key}.{d.fmt}": d.sha256
        for d in bulk.docs[proj.id]
        if d.gate_key == rec.gate_key and d.doc_key in gate.documents
    }
    facts = GateFacts(
        done={e.item_key: bulk.handles[e.person_id] for e in bulk.entries[rec.id]},
        waived={w.item_key: w.reason for w in bulk.waivers[rec.id]},
        approvals=tuple(
            Approval(bulk.handles[s.person_id], s.role, dict(s.documents))
            for s in bulk.signoffs[rec.id]
        ),
        criteria={c.key: evaluate_criterion(c.function, data, c.params) for c in gate.criteria},
        documents=docs,
    )
    ev = evaluate(gate, facts)
    if not ev.ready_for_signoff:
        return [], ev.waiting_for()
    return ev.missing_roles, ev.waiting_for()


def _whom(bulk: _Bulk, proj: Project, roles: list[str]) -> list[str]:
    return sorted(
        {
            f"{bulk.handles[m.person_id]} ({m.role})"
            for m in bulk.members[proj.id]
            if m.role in roles
        }
    )
