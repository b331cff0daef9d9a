"""The governed tables' rows as digests, so the audit chain covers the state and not only events.

Every row a transaction inserts, changes or deletes in a governed table is collected at flush;
the next audit entry of that row's project takes the rows' digests into its (keyed) hash.
`audit verify` recomputes the digests of the current rows and compares each with the last one
the chain recorded: a row added, changed or deleted outside implflow is named.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, SQLModel, select

from implflow.store.models import (
    ChecklistEntry,
    Document,
    GateRecord,
    Membership,
    Project,
    ProjectRecord,
    SignOff,
    Waiver,
)

GOVERNED: tuple[type[SQLModel], ...] = (
    Project,
    Membership,
    GateRecord,
    ChecklistEntry,
    Waiver,
    SignOff,
    Document,
    ProjectRecord,
)
BY_GATE = (ChecklistEntry, Waiver, SignOff)  # rows that reach their project through a gate
PENDING = "implflow_audit_pending"  # session.info: row key → (row, deleted)
DELETED = ""


def row_key(row: Any) -> str:
    return f"{row.__tablename__}:{row.id}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):  # SQLite returns naive UTC, PostgreSQL aware: one form
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dict | list):
        return json.loads(json.dumps(value, default=str))
    return value


def row_digest(row: Any) -> str:
    """sha256 over every column of the row, in canonical JSON."""
    data = {c.name: _plain(getattr(row, c.name)) for c in row.__table__.columns}
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def project_id_of(session: Session, row: Any) -> int | None:
    if isinstance(row, Project):
        return row.id
    if isinstance(row, BY_GATE):
        gate = session.get(GateRecord, row.gate_id)
        return gate.project_id if gate else None
    return row.project_id  # type: ignore[no-any-return]


def chain_of(session: Session, row: Any) -> str | None:
    """The audit chain (project key) a governed row belongs to."""
    pid = project_id_of(session, row)
    proj = session.get(Project, pid) if pid is not None else None
    return proj.key if proj else None


def _collect(session: Session, _ctx: Any) -> None:
    """after_flush: remember the governed rows this flush wrote (state lists are pre-flush)."""
    pending = session.info.setdefault(PENDING, {})
    for row in session.new:
        if isinstance(row, GOVERNED):
            pending[row_key(row)] = (row, False)
    for row in session.dirty:
        if isinstance(row, GOVERNED) and session.is_modified(row):
            pending[row_key(row)] = (row, False)
    for row in session.deleted:
        if isinstance(row, GOVERNED):
            pending[row_key(row)] = (row, True)


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(PENDING, None)


event.listen(Session, "after_flush", _collect)
event.listen(Session, "after_rollback", _forget)


def pending_chains(session: Session) -> set[str]:
    """The chains with rows written in this transaction that no audit entry has taken yet."""
    rows = session.info.get(PENDING, {}).values()
    return {c for row, _ in rows if (c := chain_of(session, row)) is not None}


def take(session: Session, chain: str) -> dict[str, str] | None:
    """The digests of the rows of `chain` written since its last entry; they are now taken."""
    pending: dict[str, tuple[Any, bool]] = session.info.get(PENDING, {})
    state = {}
    for key, (row, deleted) in list(pending.items()):
        if chain_of(session, row) == chain:
            state[key] = DELETED if deleted else row_digest(row)
            del pending[key]
    return state or None


def current(
    session: Session, project_ids: Iterable[int] | None = None
) -> dict[str, tuple[int, str]]:
    """Every governed row now in the store: row key → (project id, digest)."""
    ids = set(project_ids) if project_ids is not None else None
    gate_project = {g.id: g.project_id for g in session.exec(select(GateRecord))}
    out: dict[str, tuple[int, str]] = {}
    for table in GOVERNED:
        for row in session.exec(select(table)):
            pid = (
                row.id
                if isinstance(row, Project)
                else (gate_project.get(row.gate_id) if isinstance(row, BY_GATE) else row.project_id)
            )
            if ids is None or pid in ids:
                out[row_key(row)] = (pid, row_digest(row))
    return out


def baseline(session: Session, project_key: str) -> dict[str, str]:
    """The digests of every governed row of one project (a legacy chain's first keyed entry)."""
    proj = session.exec(select(Project).where(Project.key == project_key)).first()
    if proj is None:
        return {}
    return {k: d for k, (_, d) in current(session, [proj.id]).items()}  # type: ignore[list-item]
