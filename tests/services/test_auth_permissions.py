"""The pack says who may do what: one check, services.permissions.authorize."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from implflow.core.errors import Forbidden, PackError, Unauthenticated
from implflow.methodology.loader import load_pack_file
from implflow.services import lookup, projects
from implflow.services.auth import Principal
from implflow.services.permissions import ADMIN, Action, authorize, authorize_call, requires
from implflow.store.db import session_scope
from implflow.store.models import utcnow

GATE = "srs-signoff"


def as_(handle: str, *, admin: bool = False, pmo: bool = False) -> Principal:
    """A proven principal for a person of the store (how it was proven does not matter here)."""
    with session_scope() as s:
        who = projects.ensure_person(s, handle=handle, name=handle.title())
        assert who.id is not None
        return Principal(handle, who.id, who.name, admin, pmo, "token")


def check(who: Principal | None, action: Action, **kw: str) -> set[str]:
    with session_scope() as s:
        proj = lookup.project(s, "acme-erp")
        gate = lookup.gate_def(proj, GATE)[1]
        return authorize(s, who, proj, action, gate=gate, **kw)


@pytest.fixture
def acme(make_project: Callable[..., str]) -> str:
    return make_project()


def test_a_consultant_cannot_add_members_or_give_roles(store: str, acme: str) -> None:
    with pytest.raises(
        Forbidden,
        match=r"zhao.cons \(consultant\) may not add members on "
        r"acme-erp: only pmo, project_manager may",
    ):
        check(as_("zhao.cons"), Action.ADD_MEMBERS)
    assert "project_manager" in check(as_("li.pm"), Action.ADD_MEMBERS)


@pytest.mark.parametrize(
    ("handle", "action", "allowed"),
    [
        ("wang.pmo", Action.RUN_PHASE, True),
        ("zhao.cons", Action.RUN_PHASE, False),
        ("zhao.cons", Action.IMPORT_DATA, True),
        ("zhou.sponsor", Action.IMPORT_DATA, False),
        ("wu.data", Action.REGISTER_MIGRATION, True),
        ("zhao.cons", Action.REGISTER_MIGRATION, False),
        ("chen.lead", Action.RECORD_PAPER_SIGNATURE, True),
        ("zhao.cons", Action.RECORD_PAPER_SIGNATURE, False),
    ],
)
def test_project_actions_follow_the_packs_permissions(
    home: Path, acme: str, handle: str, action: Action, allowed: bool
) -> None:
    if allowed:
        assert check(as_(handle), action)
    else:
        with pytest.raises(Forbidden, match="only .* may"):
            check(as_(handle), action)


def test_item_owners_decide_who_completes_an_item(home: Path, acme: str) -> None:
    assert check(as_("zhao.cons"), Action.COMPLETE_ITEM, item="departments-interviewed")
    with pytest.raises(Forbidden, match="may not complete srs-signoff/scope-agreed"):
        check(as_("zhao.cons"), Action.COMPLETE_ITEM, item="scope-agreed")
    with pytest.raises(Forbidden, match="only project_manager, consultant_lead, consultant"):
        check(as_("he.key"), Action.COMPLETE_ITEM, item="departments-interviewed")
    assert check(as_("he.key"), Action.COMPLETE_ITEM, item="srs-reviewed-by-key-users")


def test_signing_needs_the_role_on_the_project(home: Path, acme: str) -> None:
    assert "client_sponsor" in check(as_("zhou.sponsor"), Action.SIGN, role="client_sponsor")
    with pytest.raises(Forbidden, match="do not hold the role 'client_sponsor'"):
        check(as_("zhao.cons"), Action.SIGN, role="client_sponsor")


def test_admin_runs_the_project_but_decides_no_gate(home: Path, acme: str) -> None:
    root = as_("root.admin", admin=True)
    assert check(root, Action.ADD_MEMBERS) == {ADMIN}
    assert check(root, Action.RUN_PHASE) == {ADMIN}
    with pytest.raises(Forbidden, match="not a member"):
        check(root, Action.SIGN, role="client_sponsor")
    with pytest.raises(Forbidden, match="not a member"):
        check(root, Action.COMPLETE_ITEM, item="departments-interviewed")


def test_a_global_pmo_holds_the_pmo_role_everywhere(home: Path, acme: str) -> None:
    office = as_("ma.office", pmo=True)
    assert check(office, Action.ADD_MEMBERS) == {"pmo"}
    with session_scope() as s:
        assert authorize(s, office, None, Action.CREATE_PROJECT) == {"pmo"}
        with pytest.raises(Forbidden, match="may not create projects"):
            authorize(s, as_("li.pm"), None, Action.CREATE_PROJECT)


def test_nobody_proven_is_refused_and_outsiders_are_not_members(home: Path, acme: str) -> None:
    with pytest.raises(Unauthenticated, match="implflow login"):
        check(None, Action.IMPORT_DATA)
    with pytest.raises(Forbidden, match="not a member of project acme-erp"):
        check(as_("stranger"), Action.IMPORT_DATA)


MINI = """\
name: mini
version: 1.0.0
title: {en: Mini, zh-CN: 迷你}
roles:
  - {key: lead, title: {en: Lead, zh-CN: 负责人}, signs_as: authored}
permissions:
  add_members: [lead]
phases:
  - key: one
    order: 1
    title: {en: One, zh-CN: 一}
    gates:
      - key: g1
        title: {en: G, zh-CN: 门}
        sla_days: 5
        checklist:
          - {key: a, text: {en: A, zh-CN: 甲}, owners: [lead]}
        signoff: {roles: [lead]}
"""


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("add_members: [lead]", "add_members: [wizard]", 7, "permissions.add_members.0"),
        ("owners: [lead]", "owners: [wizard]", 17, "phases.0.gates.0.checklist.0.owners.0"),
        ("add_members:", "sign_anything:", 7, "permissions.sign_anything"),
        ("signs_as: authored", "signs_as: blessed", 5, "roles.0.signs_as"),
    ],
)
def test_a_pack_naming_unknown_roles_or_actions_is_refused_at_load(
    tmp_path: Path, old: str, new: str, line: int, field: str
) -> None:
    assert load_pack_file(_write(tmp_path, MINI)).methodology.permissions.add_members == ["lead"]
    with pytest.raises(PackError) as info:
        load_pack_file(_write(tmp_path, MINI.replace(old, new, 1), "bad-1.0.0.yaml"))
    assert (info.value.line, info.value.field) == (line, field)


def _write(tmp_path: Path, text: str, name: str = "mini-1.0.0.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@requires(Action.COMPLETE_ITEM)
def _complete(session: object, **kw: object) -> None:
    """Stands for a service marked with its action."""


@requires(Action.SIGN)
def _sign(session: object, **kw: object) -> None:
    """Stands for the signing service."""


@requires(Action.IMPORT_DATA)
def _import(session: object, **kw: object) -> None:
    """Stands for the data import service."""


def call(who: Principal | None, fn: object, **kw: object) -> set[str]:
    with session_scope() as s:
        return authorize_call(s, who, fn, {"project_key": "acme-erp", "gate_key": GATE, **kw})


def fresh(handle: str) -> Principal:
    return dataclasses.replace(as_(handle), proven_at=utcnow())


def test_a_marked_service_call_is_authorized_from_its_arguments(home: Path, acme: str) -> None:
    assert call(as_("zhao.cons"), lambda s: None) == set()  # not a governed write
    assert call(as_("zhao.cons"), _complete, item_key="departments-interviewed")
    with pytest.raises(Forbidden, match="scope-agreed"):
        call(as_("zhao.cons"), _complete, item_key="scope-agreed")
    with pytest.raises(Forbidden, match="may not register migration"):
        call(as_("zhao.cons"), _import, records={"migration_spec": {"o": {"path": "/x"}}})
    assert call(as_("wu.data"), _import, records={"migration_spec": {"o": {"path": "/x"}}})


def test_signing_needs_a_fresh_proof_of_the_password(home: Path, acme: str) -> None:
    with pytest.raises(Unauthenticated, match="needs your password again"):
        call(as_("zhou.sponsor"), _sign, role="client_sponsor")
    assert call(fresh("zhou.sponsor"), _sign, role="client_sponsor") == {"client_sponsor"}


def test_a_paper_signature_is_recorded_by_an_allowed_member_for_a_signer_with_the_role(
    home: Path, acme: str
) -> None:
    paper = {"role": "client_sponsor", "on_behalf_of": "zhou.sponsor"}
    assert call(fresh("chen.lead"), _sign, **paper) == {"client_sponsor"}
    with pytest.raises(Forbidden, match="may not record paper signature"):
        call(fresh("zhao.cons"), _sign, **paper)
    with pytest.raises(Forbidden, match="zhao.cons does not hold the role 'client_sponsor'"):
        call(fresh("chen.lead"), _sign, role="client_sponsor", on_behalf_of="zhao.cons")
