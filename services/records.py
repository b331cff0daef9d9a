"""The project's data (departments, requirements, risks, …): validated upserts and reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from implflow.core.errors import InvalidInput
from implflow.projectdata.records import PRODUCED, check_kind, validate
from implflow.services import lookup
from implflow.services.writes import Action, requires
from implflow.store import audit
from implflow.store.models import Project, ProjectRecord, utcnow


def upsert(
    session: Session, *, proj: Project, kind: str, key: str, data: dict[str, Any], actor: str
) -> bool:
    """Insert or replace one record entered by a person; produced kinds are refused."""
    if kind in PRODUCED:
        raise InvalidInput(
            f"{kind} records are written only by the code that produces them "
            "(a migration's reconciliation, a health check), not entered by hand"
        )
    return _write(session, proj=proj, kind=kind, key=key, data=data, actor=actor)


def record_produced(
    session: Session, *, proj: Project, kind: str, key: str, data: dict[str, Any], actor: str
) -> bool:
    """Keep a record that decides a gate, written by the code that produced it (producers only)."""
    if kind not in PRODUCED:
        raise InvalidInput(f"{kind} is not a produced record kind")
    return _write(session, proj=proj, kind=kind, key=key, data=data, actor=actor)


def _write(
    session: Session, *, proj: Project, kind: str, key: str, data: dict[str, Any], actor: str
) -> bool:
    """Insert or replace one record; returns False when nothing changed (no audit entry)."""
    clean = validate(kind, data)
    row = session.exec(
        select(ProjectRecord).where(
            ProjectRecord.project_id == proj.id,
            ProjectRecord.kind == kind,
            ProjectRecord.key == key,
        )
    ).first()
    if row is not None and row.data == clean:
        return False
    if row is None:
        row = ProjectRecord(project_id=proj.id, kind=kind, key=key, data=clean)
    else:
        row.data, row.updated_at = clean, utcnow()
    session.add(row)
    audit.append(
        session,
        chain=proj.key,
        actor=actor,
        action="record.upsert",
        target=f"{kind}/{key}",
        detail=clean,
    )
    return True


@requires(Action.IMPORT_DATA)
def upsert_many(
    session: Session, *, project_key: str, records: dict[str, dict[str, dict[str, Any]]], actor: str
) -> int:
    """Upsert {kind: {key: data}} in one transaction; returns how many records changed."""
    proj = lookup.project(session, project_key, lock=True)
    changed = 0
    for kind, by_key in records.items():
        for key, data in by_key.items():
            changed += upsert(session, proj=proj, kind=kind, key=str(key), data=data, actor=actor)
    session.flush()
    return changed


def load_file(path: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Read a YAML file of records shaped {kind: {key: {field: value}}}."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise InvalidInput(f"{path}: expected a mapping of kind → key → fields")
    return raw


def by_kind(session: Session, proj: Project) -> dict[str, list[dict[str, Any]]]:
    """Every record of the project as plain dicts, grouped by kind, in key order."""
    out: dict[str, list[dict[str, Any]]] = {}
    stmt = (
        select(ProjectRecord)
        .where(ProjectRecord.project_id == proj.id)
        .order_by(ProjectRecord.kind, col(ProjectRecord.key))
    )
    for row in session.exec(stmt):
        out.setdefault(row.kind, []).append(row.data)
    return out


def listing(
    session: Session, *, project_key: str, kind: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The project's records grouped by kind; with `kind`, that kind alone (known or NotFound)."""
    data = by_kind(session, lookup.project(session, project_key))
    if kind is None:
        return data
    check_kind(kind)
    return {kind: data.get(kind, [])}
