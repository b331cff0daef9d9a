"""The project's data (departments, requirements, risks, …): validated upserts and reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from implflow.core.errors import InvalidInput, NotFound
from implflow.services import lookup
from implflow.store import audit
from implflow.store.models import Project, ProjectRecord, utcnow
from implflow.store.records import KINDS


def check_kind(kind: str) -> type:
    schema = KINDS.get(kind)
    if schema is None:
        raise NotFound(f"unknown record kind {kind!r} (kinds: {', '.join(sorted(KINDS))})")
    return schema


def validate(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The record as its schema normalises it; one-line InvalidInput naming the field at fault."""
    schema = check_kind(kind)
    try:
        return schema.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or kind
        raise InvalidInput(f"{kind} record: {field}: {err['msg']}") from None


def upsert(
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
