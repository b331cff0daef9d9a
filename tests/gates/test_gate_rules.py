"""The pure gate rules: items, criteria, roles, four eyes, waivers, document-bound approvals."""

from __future__ import annotations

import pytest

from implflow.core.errors import Conflict, Forbidden, NotFound
from implflow.gates import rules
from implflow.gates.rules import Approval, CriterionResult, GateFacts
from implflow.methodology.schema import Gate

T = {"en": "x", "zh-CN": "x"}


def gate(four_eyes: bool = True, one_approval: bool = True) -> Gate:
    return Gate.model_validate(
        {
            "key": "srs-signoff",
            "title": T,
            "sla_days": 5,
            "checklist": [
                {"key": "a", "text": T},
                {"key": "b", "text": T},
                {"key": "c", "text": T, "required": False},
            ],
            "criteria": [{"key": "k", "function": "f", "title": T}],
            "signoff": {
                "roles": ["sponsor", "lead"],
                "waiver_roles": ["pmo"],
                "four_eyes": four_eyes,
                "one_approval_per_person": one_approval,
            },
            "documents": ["srs"],
        }
    )


OK = {"k": CriterionResult(True, "fine")}
DOCS = {"srs.md": "s1"}


def test_gate_met_only_with_items_criteria_and_every_role() -> None:
    g = gate()
    facts = GateFacts(
        done={"a": "ann", "b": "bob"},
        criteria=OK,
        documents=DOCS,
        approvals=(Approval("sue", "sponsor", DOCS),),
    )
    ev = rules.evaluate(g, facts)
    assert ev.ready_for_signoff and not ev.met
    assert ev.missing_roles == ["lead"]
    assert ev.waiting_for() == "1 signature"
    full = GateFacts(
        done=facts.done,
        criteria=OK,
        documents=DOCS,
        approvals=(Approval("sue", "sponsor", DOCS), Approval("leo", "lead", DOCS)),
    )
    assert rules.evaluate(g, full).met


def test_optional_items_do_not_block_and_waivers_count() -> None:
    ev = rules.evaluate(gate(), GateFacts(done={"a": "ann"}, waived={"b": "n/a"}, criteria=OK))
    assert ev.open_items == []


def test_open_items_and_failing_criteria_are_named() -> None:
    ev = rules.evaluate(gate(), GateFacts(criteria={"k": CriterionResult(False, "no")}))
    assert ev.open_items == ["a", "b"]
    assert ev.failing_criteria == ["k"]
    assert ev.waiting_for() == "2 items, 1 criterion, 2 signatures"


def test_approval_for_changed_document_is_stale() -> None:
    facts = GateFacts(
        done={"a": "ann", "b": "bob"},
        criteria=OK,
        documents={"srs.md": "s2"},
        approvals=(Approval("sue", "sponsor", DOCS), Approval("leo", "lead", DOCS)),
    )
    ev = rules.evaluate(gate(), facts)
    assert not ev.met
    assert ev.stale_approvals == ["sue:sponsor", "leo:lead"]


def test_signer_needs_the_required_role_and_must_hold_it() -> None:
    with pytest.raises(Forbidden, match="needs no sign-off from role"):
        rules.check_signer(gate(), "pmo", {"pmo"})
    with pytest.raises(Forbidden, match="do not hold"):
        rules.check_signer(gate(), "sponsor", {"lead"})
    rules.check_signer(gate(), "sponsor", {"sponsor"})


def test_four_eyes_refuses_who_alone_completed_the_required_items() -> None:
    alone = GateFacts(done={"a": "ann", "b": "ann"})
    with pytest.raises(Forbidden, match="four-eyes"):
        rules.check_four_eyes(gate(), "ann", alone)
    rules.check_four_eyes(gate(), "ann", GateFacts(done={"a": "ann", "b": "bob"}))
    rules.check_four_eyes(gate(four_eyes=False), "ann", alone)


def test_a_waiver_counts_as_doing_the_item_for_four_eyes() -> None:
    """Before: waiving every required item left nobody as a completer, so the waiver signed."""
    waived_alone = GateFacts(waived={"a": "n/a", "b": "n/a"}, waived_by={"a": "pat", "b": "pat"})
    with pytest.raises(Forbidden, match="completed or waived every required item"):
        rules.check_four_eyes(gate(), "pat", waived_alone)
    mixed = GateFacts(done={"a": "ann"}, waived={"b": "n/a"}, waived_by={"b": "ann"})
    with pytest.raises(Forbidden, match="four-eyes"):
        rules.check_four_eyes(gate(), "ann", mixed)
    rules.check_four_eyes(gate(), "pat", GateFacts(done={"a": "ann"}, waived_by={"b": "pat"}))


def test_one_person_gives_one_approval_per_gate_unless_the_pack_allows() -> None:
    """Before: one person holding both roles signed for both and passed the gate alone."""
    signed = GateFacts(done={"a": "ann", "b": "bob"}, approvals=(Approval("sue", "sponsor", DOCS),))
    with pytest.raises(Forbidden, match="already approved srs-signoff as sponsor"):
        rules.check_four_eyes(gate(), "sue", signed, "lead")
    rules.check_four_eyes(gate(), "sue", signed, "sponsor")  # signing the same role again
    rules.check_four_eyes(gate(one_approval=False), "sue", signed, "lead")


def test_the_rule_is_checked_again_when_the_gate_passes() -> None:
    both = (Approval("sue", "sponsor", DOCS), Approval("sue", "lead", DOCS))
    facts = GateFacts(done={"a": "ann", "b": "bob"}, criteria=OK, documents=DOCS, approvals=both)
    with pytest.raises(Forbidden, match="one approval per gate"):
        rules.check_four_eyes_holds(gate(), facts)
    rules.check_four_eyes_holds(gate(one_approval=False), facts)
    later_waived = GateFacts(
        done={"a": "ann", "b": "bob"},
        waived_by={"a": "leo", "b": "leo"},
        criteria=OK,
        documents=DOCS,
        approvals=(Approval("sue", "sponsor", DOCS), Approval("leo", "lead", DOCS)),
    )
    with pytest.raises(Forbidden, match="leo completed or waived"):
        rules.check_four_eyes_holds(gate(), later_waived)


def test_waiver_needs_reason_and_allowed_role() -> None:
    with pytest.raises(Forbidden, match="reason"):
        rules.check_waiver(gate(), "a", {"pmo"}, "  ")
    with pytest.raises(Forbidden, match="only pmo"):
        rules.check_waiver(gate(), "a", {"lead"}, "out of scope")
    with pytest.raises(NotFound):
        rules.check_waiver(gate(), "zz", {"pmo"}, "why")
    assert rules.check_waiver(gate(), "a", {"pmo", "lead"}, "out of scope") == "pmo"


def test_sign_before_ready_is_a_conflict() -> None:
    ev = rules.evaluate(gate(), GateFacts(criteria=OK))
    with pytest.raises(Conflict, match="not ready"):
        rules.check_ready(gate(), ev)
