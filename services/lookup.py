"""Finding records by their public keys, with NotFound naming what is unknown."""

from __future__ import annotations

import json
from functools import lru_cache

from sqlmodel import Session, select

from implflow.core.errors import NotFound
from implflow.methodology.schema import Gate, Methodology, Overlay, Phase
from implflow.store.models import GateRecord, Membership, Person, Project


def project(session: Session, key: str, *, lock: bool = False) -> Project:
    """The project `key`; with lock, held until commit so its writers queue up."""
    stmt = select(Project).where(Project.key == key)
    if lock:
        stmt = stmt.with_for_update()
    found = session.exec(stmt).first()
    if found is None:
        raise NotFound(f"unknown project {key!r}")
    return found


def person(session: Session, handle: str) -> Person:
    found = session.exec(select(Person).where(Person.handle == handle)).first()
    if found is None:
        raise NotFound(f"unknown person {handle!r}")
    return found


def roles_of(session: Session, proj: Project, who: Person) -> set[str]:
    stmt = select(Membership.role).where(
        Membership.project_id == proj.id, Membership.person_id == who.id
    )
    return set(session.exec(stmt))


def methodology(proj: Project) -> Methodology:
    """The project's pinned pack version with its tailoring overlay applied."""
    overlay = json.dumps(proj.overlay, sort_keys=True) if proj.overlay else ""
    return _tailored(proj.pack_name, proj.pack_version, overlay)


@lru_cache(maxsize=32)
def _tailored(name: str, version: str, overlay_json: str) -> Methodology:
    from implflow.methodology.loader import apply_overlay, load_pack

    pack = load_pack(name, version).methodology
    if not overlay_json:
        return pack
    return apply_overlay(pack, Overlay.model_validate(json.loads(overlay_json)), "project overlay")


def phase_def(proj: Project, key: str) -> Phase:
    found = methodology(proj).phase(key)
    if found is None:
        raise NotFound(f"unknown phase {key!r} (phases: {_phase_keys(proj)})")
    return found


def _phase_keys(proj: Project) -> str:
    return ", ".join(p.key for p in methodology(proj).phases)


def gate_def(proj: Project, key: str) -> tuple[Phase, Gate]:
    found = methodology(proj).gate(key)
    if found is None:
        keys = ", ".join(g.key for p in methodology(proj).phases for g in p.gates)
        raise NotFound(f"unknown gate {key!r} (gates: {keys})")
    return found


def gate_record(session: Session, proj: Project, gate_key: str) -> GateRecord:
    stmt = select(GateRecord).where(
        GateRecord.project_id == proj.id, GateRecord.gate_key == gate_key
    )
    found = session.exec(stmt).first()
    if found is None:
        raise NotFound(f"unknown gate {gate_key!r} on project {proj.key}")
    return found
