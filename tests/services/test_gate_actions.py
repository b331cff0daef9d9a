"""Gate actions through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from gate_helpers import GATE, SRS_DATA, complete_items, open_gate
from sqlmodel import select

from implflow.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from implflow.services import actions, gates, records
from implflow.services.views import gate_view
from implflow.store.db import session_scope
from implflow.store.models import AuditEntry


def sign(key: str, who: str, role: str) -> actions.SignOutcome:
    return actions.sign(project_key=key, gate_key=GATE, actor=who, role=role, advance=False)


def view(key: str) -> dict:
    return actions.in_session(lambda s: gate_view(s, key, GATE))


def audit_actions(key: str) -> list[str]:
    with session_scope() as s:
        return [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.chain == key))]


def test_gate_met_after_every_required_role(store: str, ready_srs: str) -> None:
    first = sign(ready_srs, "chen.lead", "consultant_lead")
    assert not first.met and first.waiting_for == "1 signature"
    assert sign(ready_srs, "zhou.sponsor", "client_sponsor").met
    assert view(ready_srs)["met"]


def test_signing_without_the_role_is_refused_and_audited(store: str, ready_srs: str) -> None:
    with pytest.raises(Forbidden, match="do not hold"):
        sign(ready_srs, "zhao.cons", "client_sponsor")
    assert audit_actions(ready_srs)[-1] == "sign.refused"
    assert view(ready_srs)["signatures"] == []


def test_four_eyes_refuses_the_sole_completer(store: str, make_project) -> None:
    key = make_project()
    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    open_gate(key)
    complete_items(key, who=("chen.lead",))
    with pytest.raises(Forbidden, match="four-eyes"):
        sign(key, "chen.lead", "consultant_lead")
    assert audit_actions(key)[-1] == "sign.refused"


def test_sign_before_checklist_complete_is_a_conflict(store: str, make_project) -> None:
    key = make_project()
    open_gate(key)
    with pytest.raises(Conflict, match="not ready for sign-off"):
        sign(key, "chen.lead", "consultant_lead")


def test_rejection_reopens_and_voids_approvals(store: str, ready_srs: str) -> None:
    sign(ready_srs, "chen.lead", "consultant_lead")
    actions.run(
        gates.reject,
        project_key=ready_srs,
        gate_key=GATE,
        actor="zhou.sponsor",
        role="client_sponsor",
        reason="R-001 lacks a tolerance for price",
    )
    v = view(ready_srs)
    assert v["last_rejection"].endswith("R-001 lacks a tolerance for price")
    assert v["missing_roles"] == ["client_sponsor", "consultant_lead"]
    assert [s["voided"] for s in v["signatures"] if s["decision"] == "approve"] == [True]
    sign(ready_srs, "chen.lead", "consultant_lead")
    assert sign(ready_srs, "zhou.sponsor", "client_sponsor").met


def test_document_change_voids_earlier_signature(store: str, ready_srs: str) -> None:
    sign(ready_srs, "chen.lead", "consultant_lead")
    changed = {
        "requirement": {
            "R-001": {
                **SRS_DATA["requirement"]["R-001"],
                "acceptance": "Blocked when qty differs > 1%",
            }
        }
    }
    actions.run(records.upsert_many, project_key=ready_srs, records=changed, actor="chen.lead")
    assert view(ready_srs)["stale_approvals"] == ["chen.lead:consultant_lead"]
    out = sign(ready_srs, "zhou.sponsor", "client_sponsor")
    assert not out.met and out.waiting_for == "1 signature"
    voided = [s for s in view(ready_srs)["signatures"] if s["voided"]]
    assert voided and "document changed after signing" in voided[0]["void_reason"]


def test_waiver_needs_allowed_role_and_reason(store: str, make_project) -> None:
    key = make_project()
    open_gate(key)
    item = view(key)["items"][0]["key"]
    with pytest.raises(Forbidden):
        actions.run(
            gates.waive_item,
            project_key=key,
            gate_key=GATE,
            item_key=item,
            actor="zhao.cons",
            reason="not needed",
        )
    assert audit_actions(key)[-1] == "waive.refused"
    actions.run(
        gates.waive_item,
        project_key=key,
        gate_key=GATE,
        item_key=item,
        actor="wang.pmo",
        reason="client has no such department",
    )
    assert view(key)["items"][0]["state"] == "waived"


def test_unknown_names_are_not_found(store: str, ready_srs: str) -> None:
    with pytest.raises(NotFound, match="unknown gate"):
        actions.run(
            gates.complete_item,
            project_key=ready_srs,
            gate_key="nope",
            item_key="x",
            actor="zhao.cons",
        )
    with pytest.raises(NotFound, match="has no item"):
        actions.run(
            gates.complete_item,
            project_key=ready_srs,
            gate_key=GATE,
            item_key="nope",
            actor="zhao.cons",
        )
    with pytest.raises(NotFound, match="unknown person"):
        sign(ready_srs, "ghost", "client_sponsor")
    with pytest.raises(NotFound, match="unknown project"):
        sign("ghost", "chen.lead", "consultant_lead")


def test_evidence_file_is_stored_with_its_sha256(store: str, make_project, tmp_path: Path):
    key = make_project()
    open_gate(key)
    item = next(i for i in view(key)["items"] if i["evidence"])
    with pytest.raises(InvalidInput, match="needs evidence"):
        actions.run(
            gates.complete_item,
            project_key=key,
            gate_key=GATE,
            item_key=item["key"],
            actor="zhao.cons",
        )
    with pytest.raises(InvalidInput, match="must be https:// or http:// with a host"):
        actions.run(
            gates.complete_item,
            project_key=key,
            gate_key=GATE,
            item_key=item["key"],
            actor="zhao.cons",
            url="file:///etc/passwd",
        )
    note = tmp_path / "interview-notes.txt"
    note.write_text("Finance interview, 3 people", encoding="utf-8")
    entry = actions.run(
        gates.complete_item,
        project_key=key,
        gate_key=GATE,
        item_key=item["key"],
        actor="zhao.cons",
        evidence=note,
    )
    import hashlib

    assert entry.evidence_sha256 == hashlib.sha256(note.read_bytes()).hexdigest()
    assert Path(entry.evidence_path).read_bytes() == note.read_bytes()


def test_two_concurrent_signers_both_land_and_one_sees_the_gate_met(store, ready_srs) -> None:
    results: dict[str, actions.SignOutcome] = {}
    barrier = threading.Barrier(2)

    def go(who: str, role: str) -> None:
        barrier.wait()
        results[who] = sign(ready_srs, who, role)

    threads = [
        threading.Thread(target=go, args=a)
        for a in (("chen.lead", "consultant_lead"), ("zhou.sponsor", "client_sponsor"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2
    assert sorted(r.met for r in results.values()) == [False, True]
    v = view(ready_srs)
    assert v["met"] and len([s for s in v["signatures"] if not s["voided"]]) == 2
    assert audit_actions(ready_srs).count("gate.sign") == 2
