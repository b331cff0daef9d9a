"""A project's page: its plan against actual (for the Gantt chart), documents, members, runs
and audit log.

The plan: phases back to back from the project's creation, each planned to last the sum of
its gates' SLA days (the pack gives no other duration); a gate is planned for the end of its
phase. Actual: when each phase and gate opened and passed (now for what is still open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from implflow.services import documents, lookup, projects
from implflow.services.auth.principal import as_utc
from implflow.services.gate_detail import runs
from implflow.store.models import AuditEntry, GateRecord, PhaseState, Project, utcnow

AUDIT_SHOWN = 100


@dataclass(frozen=True)
class Bar:
    """One row of the chart: a phase or a gate, planned against actual."""

    kind: str  # phase, gate
    key: str
    title: str
    status: str
    planned_start: datetime
    planned_end: datetime
    actual_start: datetime | None
    actual_end: datetime | None  # None while it has not started; now while it runs


def timeline(session: Session, proj: Project, locale: str = "en") -> list[Bar]:
    """Phases and their gates, planned against actual."""
    states = {
        s.phase_key: s
        for s in session.exec(select(PhaseState).where(PhaseState.project_id == proj.id))
    }
    recs = {
        g.gate_key: g
        for g in session.exec(select(GateRecord).where(GateRecord.project_id == proj.id))
    }
    now, start = utcnow(), as_utc(proj.created_at)
    bars: list[Bar] = []
    for phase in lookup.methodology(proj).phases:
        end = start + timedelta(days=sum(g.sla_days for g in phase.gates))
        st = states[phase.key]
        bars.append(_bar("phase", phase.key, phase.title.get(locale), st, start, end, now))
        for gate in phase.gates:
            rec = recs[gate.key]
            due = as_utc(rec.due_at) if rec.due_at else end
            bars.append(
                _bar(
                    "gate",
                    gate.key,
                    gate.title.get(locale),
                    rec,
                    due - timedelta(days=gate.sla_days),
                    due,
                    now,
                )
            )
        start = end
    return bars


def _bar(
    kind: str, key: str, title: str, row: Any, start: datetime, end: datetime, now: datetime
) -> Bar:
    opened = as_utc(row.opened_at) if row.opened_at else None
    passed = as_utc(row.passed_at) if row.passed_at else None
    return Bar(
        kind, key, title, row.status, start, end, opened, passed or (now if opened else None)
    )


def next_phase(session: Session, proj: Project) -> str | None:
    """The open phase a PMO may run now (None when every phase passed or none is open)."""
    stmt = (
        select(PhaseState)
        .where(PhaseState.project_id == proj.id, PhaseState.status == "open")
        .order_by(col(PhaseState.order))
    )
    found = session.exec(stmt).first()
    return found.phase_key if found else None


def project_view(session: Session, project_key: str, locale: str = "en") -> dict[str, Any]:
    """Everything the project page shows."""
    proj = lookup.project(session, project_key)
    audit = session.exec(
        select(AuditEntry)
        .where(AuditEntry.chain == proj.key)
        .order_by(col(AuditEntry.seq).desc())
        .limit(AUDIT_SHOWN)
    )
    return {
        "project": proj.key,
        "name": proj.name,
        "client": proj.client,
        "system": proj.system,
        "locale": proj.locale,
        "pack": f"{proj.pack_name}@{proj.pack_version}",
        "timeline": timeline(session, proj, locale),
        "next_phase": next_phase(session, proj),
        "documents": documents.list_documents(session, proj),
        "members": projects.members(session, proj),
        "runs": runs(session, proj.id),
        "audit": [
            {
                "seq": e.seq,
                "at": as_utc(e.at),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
            }
            for e in audit
        ],
    }
