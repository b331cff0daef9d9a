"""Projects and their members: create, list, show, add a member with a role."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from sqlmodel import Session, select

from implflow.core.errors import Conflict, InvalidInput, NotFound
from implflow.services import lookup
from implflow.services.handles import check_handle, check_text
from implflow.services.writes import Action, requires
from implflow.store import audit
from implflow.store.models import GateRecord, Membership, Person, PhaseState, Project, utcnow

SYSTEMS = ("ERP", "CRM", "MES")
LOCALES = ("en", "zh-CN")


class ProjectCreate(BaseModel):
    key: str
    name: str
    client: str
    system: str = "ERP"
    locale: str = "en"
    pack: str = "standard"
    version: str | None = None
    overlay_path: Path | None = None


@requires(Action.CREATE_PROJECT)
def create_project(session: Session, *, spec: ProjectCreate, actor: str) -> Project:
    """Create a project pinned to a pack version (with an optional overlay); open phase 1."""
    from implflow.methodology.loader import apply_overlay_file, load_pack

    check_handle(actor, "the acting person's handle")
    _check_fields(spec)
    if session.exec(select(Project).where(Project.key == spec.key)).first():
        raise Conflict(f"project {spec.key!r} already exists")
    checks = lookup.catalogue()  # criteria, their parameters and documents: refused now
    pack = load_pack(spec.pack, spec.version, catalogue=checks)
    overlay = None
    if spec.overlay_path is not None:
        ov, _ = apply_overlay_file(pack.methodology, spec.overlay_path, catalogue=checks)
        overlay = ov.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    proj = Project(
        key=spec.key,
        name=spec.name,
        client=spec.client,
        system=spec.system.upper(),
        locale=spec.locale,
        pack_name=pack.methodology.name,
        pack_version=pack.methodology.version,
        pack_sha256=pack.sha256,
        overlay=overlay,
    )
    session.add(proj)
    session.flush()
    _create_phases(session, proj)
    audit.append(
        session,
        chain=proj.key,
        actor=actor,
        action="project.create",
        target=proj.key,
        detail={
            "pack": f"{proj.pack_name}@{proj.pack_version}",
            "sha256": pack.sha256,
            "overlay": overlay is not None,
        },
    )
    return proj


def _check_fields(spec: ProjectCreate) -> None:
    import re

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", spec.key):
        raise InvalidInput(f"project key {spec.key!r} must be lowercase letters, digits, dashes")
    if spec.system.upper() not in SYSTEMS:
        raise InvalidInput(f"system must be one of {', '.join(SYSTEMS)}, not {spec.system!r}")
    if spec.locale not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}, not {spec.locale!r}")
    check_text(spec.name, "project name")
    check_text(spec.client, "client")


def _create_phases(session: Session, proj: Project) -> None:
    for i, phase in enumerate(lookup.methodology(proj).phases):
        first = i == 0
        session.add(
            PhaseState(
                project_id=proj.id,
                phase_key=phase.key,
                order=phase.order,
                status="open" if first else "locked",
                opened_at=utcnow() if first else None,
            )
        )
        for gate in phase.gates:
            session.add(GateRecord(project_id=proj.id, phase_key=phase.key, gate_key=gate.key))
    session.flush()


def ensure_person(session: Session, *, handle: str, name: str | None, email: str = "") -> Person:
    """The person `handle`, created on first use (a name is then required)."""
    check_handle(handle)
    found = session.exec(select(Person).where(Person.handle == handle)).first()
    if found is not None:
        return found
    if not name:
        raise NotFound(f"unknown person {handle!r}: give --name to add them")
    check_text(name, "person's name")
    who = Person(handle=handle, name=name, email=email)
    session.add(who)
    session.flush()
    audit.append(
        session,
        chain=audit.GLOBAL,
        actor=handle,
        action="person.create",
        target=handle,
        detail={"name": name},
    )
    return who


@requires(Action.ADD_MEMBERS)
def add_member(
    session: Session, *, project_key: str, handle: str, role: str, name: str | None, actor: str
) -> Membership:
    """Give a person a role on a project; the role must exist in the project's methodology."""
    check_handle(actor, "the acting person's handle")
    proj = lookup.project(session, project_key, lock=True)
    roles = [r.key for r in lookup.methodology(proj).roles]
    if role not in roles:
        raise NotFound(f"unknown role {role!r} (roles: {', '.join(roles)})")
    who = ensure_person(session, handle=handle, name=name)
    exists = session.exec(
        select(Membership).where(
            Membership.project_id == proj.id,
            Membership.person_id == who.id,
            Membership.role == role,
        )
    ).first()
    if exists:
        return exists
    member = Membership(project_id=proj.id, person_id=who.id, role=role)
    session.add(member)
    audit.append(
        session,
        chain=proj.key,
        actor=actor,
        action="member.add",
        target=handle,
        detail={"role": role},
    )
    session.flush()
    return member


def list_projects(session: Session) -> list[Project]:
    return list(session.exec(select(Project).order_by(Project.key)))


def members(session: Session, proj: Project) -> list[tuple[str, str, str]]:
    """(handle, name, role) of every member, sorted."""
    stmt = (
        select(Person.handle, Person.name, Membership.role)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.project_id == proj.id)
        .order_by(Person.handle, Membership.role)
    )
    return [tuple(r) for r in session.exec(stmt)]  # type: ignore[misc]
