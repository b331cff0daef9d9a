"""Four eyes that holds: the bypasses found by a hostile insider, each refused (issue 7.1)."""

from __future__ import annotations

import pytest
from gate_helpers import GATE, SRS_DATA, open_gate
from sqlmodel import select

from implflow.core.errors import Forbidden
from implflow.services import actions, gates, lookup, phases, projects, records
from implflow.store.db import session_scope
from implflow.store.models import AuditEntry


def _give(key: str, handle: str, role: str) -> None:
    actions.run(
        projects.add_member, project_key=key, handle=handle, role=role, name=None, actor="wang.pmo"
    )


def _waive_all(key: str, who: str) -> None:
    with session_scope() as s:
        g = lookup.gate_def(lookup.project(s, key), GATE)[1]
    for item in (i for i in g.checklist if i.required):
        actions.run(
            gates.waive_item,
            project_key=key,
            gate_key=GATE,
            item_key=item.key,
            actor=who,
            reason="covered elsewhere",
        )


def _sign(key: str, who: str, role: str) -> actions.SignOutcome:
    return actions.sign(project_key=key, gate_key=GATE, actor=who, role=role, advance=False)


def _last_action(key: str) -> str:
    with session_scope() as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.chain == key))
        return [e.action for e in rows][-1]


def test_who_waived_every_required_item_cannot_approve(store: str, make_project) -> None:
    key = make_project()
    _give(key, "wang.pmo", "consultant_lead")
    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    open_gate(key)
    _waive_all(key, "wang.pmo")
    with pytest.raises(Forbidden, match="completed or waived every required item"):
        _sign(key, "wang.pmo", "consultant_lead")
    assert _last_action(key) == "sign.refused"


def test_one_person_cannot_sign_for_two_required_roles(store: str, ready_srs: str) -> None:
    """The SRS bypass: one person holding both required roles passed the gate alone."""
    _give(ready_srs, "chen.lead", "client_sponsor")
    assert not _sign(ready_srs, "chen.lead", "consultant_lead").met
    with pytest.raises(Forbidden, match="already approved srs-signoff as consultant_lead"):
        _sign(ready_srs, "chen.lead", "client_sponsor")
    assert _last_action(ready_srs) == "sign.refused"
    assert _sign(ready_srs, "zhou.sponsor", "client_sponsor").met


def test_waiving_after_the_approvals_is_caught_when_the_gate_passes(
    store: str, ready_srs: str
) -> None:
    _give(ready_srs, "li.pm", "consultant_lead")
    _sign(ready_srs, "li.pm", "consultant_lead")
    assert _sign(ready_srs, "zhou.sponsor", "client_sponsor").met
    _waive_all(ready_srs, "li.pm")  # now li.pm alone "did" every item, and approved
    with pytest.raises(Forbidden, match="li.pm completed or waived every required item"):
        actions.run(phases.pass_gate, project_key=ready_srs, gate_key=GATE, actor="implflow")
    assert _last_action(ready_srs) == "pass_gate.refused"
    with session_scope() as s:
        assert lookup.gate_record(s, lookup.project(s, ready_srs), GATE).status == "open"


def test_the_ordinary_path_still_passes(store: str, ready_srs: str) -> None:
    _sign(ready_srs, "chen.lead", "consultant_lead")
    _sign(ready_srs, "zhou.sponsor", "client_sponsor")
    actions.run(phases.pass_gate, project_key=ready_srs, gate_key=GATE, actor="implflow")
    with session_scope() as s:
        assert lookup.gate_record(s, lookup.project(s, ready_srs), GATE).status == "passed"
