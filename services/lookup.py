"""Finding records by their public keys, with NotFound naming what is unknown."""

from __future__ import annotations

import json

from pydantic import ValidationError
from sqlmodel import Session, select

from implflow.core.errors import IntegrityError, NotFound, PackError
from implflow.methodology.catalogue import Catalogue
from implflow.methodology.loader import LoadedPack, load_pack
from implflow.methodology.schema import Gate, Methodology, Overlay, Phase
from implflow.methodology.yamlmarks import field_name
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


def catalogue() -> Catalogue:
    """What packs are checked against: the registered criteria and the document templates."""
    from implflow.artifacts.documents import DOCUMENTS
    from implflow.gates.registry import parameter_models

    return Catalogue.of(parameter_models(), DOCUMENTS)


def pinned_pack(proj: Project) -> LoadedPack:
    """The project's pack, re-hashed now: a file changed since the project pinned it is refused."""
    pack = load_pack(proj.pack_name, proj.pack_version, catalogue=catalogue())
    if pack.sha256 != proj.pack_sha256:
        raise IntegrityError(
            f"pack {proj.pack_name}@{proj.pack_version} changed since project {proj.key} pinned"
            f" it: sha256 {pack.sha256} != {proj.pack_sha256} ({pack.path})"
        )
    return pack


def methodology(proj: Project) -> Methodology:
    """The project's pinned pack version with its tailoring overlay applied."""
    pack = pinned_pack(proj)
    if not proj.overlay:
        return pack.methodology
    overlay = json.dumps(proj.overlay, sort_keys=True)
    key = (pack.sha256, overlay, catalogue())
    if key not in _TAILORED:
        if len(_TAILORED) >= 256:  # many projects, each tailored its own way
            _TAILORED.clear()
        _TAILORED[key] = _tailored(pack.methodology, proj, key[2])
    return _TAILORED[key]


_TAILORED: dict[tuple[str, str, Catalogue], Methodology] = {}


def _tailored(pack: Methodology, proj: Project, cat: Catalogue) -> Methodology:
    from implflow.methodology.loader import apply_overlay

    source = f"project {proj.key} overlay"
    try:
        overlay = Overlay.model_validate(proj.overlay)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise PackError(source, None, field_name(tuple(err["loc"])), err["msg"]) from None
    return apply_overlay(pack, overlay, source, catalogue=cat)


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
