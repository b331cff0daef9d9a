"""Who may do what, in one place: the pack's rules for a proven person on a project.

`authorize(session, principal, project, action, ...)` answers every write: it raises
`Unauthenticated` when nobody is proven, `Forbidden` (naming the roles that would do) when the
person may not, and returns the roles that allow it. The rules:

- a global admin (account flag) manages accounts, creates projects and may do every project
  action (add members, import data, register a migration, run a phase), but completes, waives
  and signs nothing without a role on the project: decisions on a gate need a member;
- a global PMO (account flag) creates projects and holds the pack's `pmo` role on every one;
- otherwise the person's roles are their memberships, checked against the pack: its
  `permissions` map for project actions (unset: any member), an item's `owners` (else
  `permissions.complete_items`) for completing it, the gate's sign-off roles for signing or
  rejecting (`gates.rules.check_signer`) and its waiver roles for waiving (`check_waiver`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlmodel import Session, select

from implflow.core.errors import Forbidden, NotFound, Unauthenticated
from implflow.core.settings import get_settings
from implflow.gates import rules
from implflow.methodology.schema import Gate, Methodology
from implflow.services import lookup
from implflow.services.auth import Principal
from implflow.services.writes import Action, required_action, requires
from implflow.store.models import Membership, Person, Project, utcnow

__all__ = [
    "ADMIN",
    "Action",
    "authorize",
    "authorize_call",
    "require_fresh",
    "required_action",
    "requires",
]
PMO_ROLE = "pmo"


PROJECT_ACTIONS = frozenset(
    {Action.ADD_MEMBERS, Action.IMPORT_DATA, Action.REGISTER_MIGRATION, Action.RUN_PHASE}
)
ADMIN = "admin"  # what authorize returns when an admin's flag, not a role, allows the action


def roles_on(session: Session, principal: Principal, proj: Project) -> set[str]:
    """The roles a person holds on a project: memberships, and `pmo` for a global PMO."""
    held = set(
        session.exec(
            select(Membership.role).where(
                Membership.project_id == proj.id, Membership.person_id == principal.person_id
            )
        )
    )
    return held | {PMO_ROLE} if principal.is_pmo else held


def item_owners(m: Methodology, gate: Gate, item_key: str) -> list[str] | None:
    """The roles that may complete an item: its owners, else the pack's default (None: any)."""
    item = gate.item(item_key)
    if item is None:
        keys = ", ".join(i.key for i in gate.checklist)
        raise NotFound(f"gate {gate.key} has no item {item_key!r} (items: {keys})")
    return item.owners or m.permissions.complete_items


def authorize(
    session: Session,
    principal: Principal | None,
    project: Project | None,
    action: Action,
    *,
    gate: Gate | None = None,
    item: str | None = None,
    role: str | None = None,
) -> set[str]:
    """The roles that allow `principal` to do `action`; Unauthenticated or Forbidden otherwise.

    `gate` is needed for item and sign-off actions, `item` for COMPLETE_ITEM, `role` (the role
    signed for) for SIGN, REJECT and RECORD_PAPER_SIGNATURE.
    """
    if principal is None:
        raise Unauthenticated("nobody is logged in: run `implflow login` (or send a token)")
    if action is Action.CREATE_PROJECT:
        if principal.is_admin or principal.is_pmo:
            return {ADMIN} if principal.is_admin else {PMO_ROLE}
        raise Forbidden(f"{principal.handle} may not create projects (admins and the PMO may)")
    if project is None:
        raise NotFound(f"{action} needs a project")
    if principal.is_admin and action in PROJECT_ACTIONS:
        return {ADMIN}
    held = roles_on(session, principal, project)
    if not held:
        raise Forbidden(f"{principal.handle} is not a member of project {project.key}")
    m = lookup.methodology(project)
    if action in PROJECT_ACTIONS or action is Action.RECORD_PAPER_SIGNATURE:
        allowed = getattr(m.permissions, action.value)
        _require(principal, project, action.value, held, allowed)
        if action is not Action.RECORD_PAPER_SIGNATURE:
            return held
    if gate is None:
        raise NotFound(f"{action} needs a gate")
    if action is Action.COMPLETE_ITEM:
        _require(
            principal,
            project,
            f"complete {gate.key}/{item}",
            held,
            item_owners(m, gate, item or ""),
        )
    elif action in (Action.SIGN, Action.REJECT):
        rules.check_signer(gate, role or "", held)
    return held


def _require(
    principal: Principal, project: Project, what: str, held: set[str], allowed: list[str] | None
) -> None:
    """Refuse unless `held` meets `allowed` (None: any member, already checked)."""
    if allowed is not None and not held & set(allowed):
        raise Forbidden(
            f"{principal.handle} ({', '.join(sorted(held))}) may not {what.replace('_', ' ')} "
            f"on {project.key}: only {', '.join(allowed) or 'an admin'} may"
        )


def authorize_call(
    session: Session,
    principal: Principal | None,
    fn: Callable[..., Any],
    kw: Mapping[str, Any],
    *,
    trusted: bool = False,
) -> set[str]:
    """Authorize a marked service call from its keyword arguments (project_key, gate_key, ...).

    Nobody proven (`principal` None) is refused, unless the caller is `trusted`: code inside
    the process that names a handle itself (the engine's flows, benchmarks, test fixtures),
    never a face, which always hands in the principal it proved (or None).
    """
    action = required_action(fn)
    if action is None or (principal is None and trusted):
        return set()
    project = lookup.project(session, kw["project_key"]) if "project_key" in kw else None
    gate = lookup.gate_def(project, kw["gate_key"])[1] if project and "gate_key" in kw else None
    if action in (Action.SIGN, Action.REJECT):
        require_fresh(principal)
        if kw.get("on_behalf_of"):
            return paper_signature(session, principal, project, gate, kw["on_behalf_of"], kw)
    held = authorize(
        session,
        principal,
        project,
        action,
        gate=gate,
        item=kw.get("item_key"),
        role=kw.get("role"),
    )
    if action is Action.IMPORT_DATA and "migration_spec" in kw.get("records", {}):
        authorize(session, principal, project, Action.REGISTER_MIGRATION)
    return held


def require_fresh(principal: Principal | None) -> None:
    """A signature needs the password proven moments ago (a fresh log-in or typed again)."""
    seconds = get_settings().signing_fresh_seconds
    if principal is not None and not principal.fresh(utcnow(), seconds):
        raise Unauthenticated(
            f"{principal.handle}: signing needs your password again (the log-in is older "
            f"than {seconds} s)"
        )


def paper_signature(
    session: Session,
    principal: Principal | None,
    project: Project | None,
    gate: Gate | None,
    signer: str,
    kw: Mapping[str, Any],
) -> set[str]:
    """A member allowed to record a signature given on paper, by a signer holding the role."""
    authorize(session, principal, project, Action.RECORD_PAPER_SIGNATURE, gate=gate)
    assert project is not None and gate is not None
    role = kw.get("role") or ""
    held = lookup.roles_of(session, project, lookup.person(session, signer))
    if role in gate.signoff.roles and role not in held:
        raise Forbidden(f"{signer} does not hold the role {role!r} on project {project.key}")
    rules.check_signer(gate, role, held)
    return {role}


# The project writes whose services do not look the acting person up themselves (the gate
# actions do, with their roles; creating a project and its first members precede membership).
_MEMBERS_ONLY = (Action.IMPORT_DATA, Action.REGISTER_MIGRATION)


def check_trusted_member(
    session: Session, handle: str, fn: Callable[..., Any], kw: Mapping[str, Any]
) -> None:
    """A bare handle (in-process code, `--as`) must still name a member of the project it writes."""
    action, project_key = required_action(fn), kw.get("project_key")
    if action not in _MEMBERS_ONLY or not isinstance(project_key, str):
        return
    proj = lookup.project(session, project_key)
    held = session.exec(
        select(Membership.role)
        .join(Person, Person.id == Membership.person_id)  # type: ignore[arg-type]
        .where(Membership.project_id == proj.id, Person.handle == handle)
    ).first()
    if held is None:
        raise Forbidden(f"{handle} is not a member of project {proj.key}")
