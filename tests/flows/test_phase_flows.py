"""Phase flows under the Prefect test harness: stop at the gate, go on after the last
signature, skip cached work, refuse a locked phase."""

from __future__ import annotations

import pytest
from gate_helpers import SRS_DATA, complete_items
from sqlmodel import select

from implflow.core.errors import Conflict
from implflow.flows.runner import run_phase
from implflow.flows.triggers import InProcessTrigger
from implflow.services import actions, lookup, records
from implflow.store.db import session_scope
from implflow.store.models import AuditEntry, Document, PhaseRun, PhaseState


def _last_run(key: str) -> PhaseRun:
    with session_scope() as s:
        return list(s.exec(select(PhaseRun).order_by(PhaseRun.id)))[-1]


def test_phase_stops_at_gate_then_passes_after_last_signature(flows_home, make_project) -> None:
    key = make_project()
    state = run_phase(key, "requirements")
    assert state.name == "AwaitingSignoff"
    assert "srs-signoff waits for" in state.message

    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    complete_items(key)
    actions.sign(project_key=key, gate_key="srs-signoff", actor="chen.lead", role="consultant_lead")
    out = actions.sign(
        project_key=key,
        gate_key="srs-signoff",
        actor="zhou.sponsor",
        role="client_sponsor",
        trigger=InProcessTrigger(),
    )
    assert out.met and out.advanced == "PhasePassed"
    with session_scope() as s:
        phases = {p.phase_key: p.status for p in s.exec(select(PhaseState))}
        frozen = list(s.exec(select(Document).where(Document.status == "frozen")))
    assert phases["requirements"] == "passed" and phases["design"] == "open"
    assert {d.doc_key for d in frozen} == {"srs", "signoff-record"}


def test_rerun_without_changes_skips_cached_work_and_adds_nothing(flows_home, make_project):
    key = make_project("cache-erp")
    run_phase(key, "requirements")
    assert _last_run(key).cached_steps == []
    with session_scope() as s:
        docs_before = len(list(s.exec(select(Document))))
        audit_before = len(list(s.exec(select(AuditEntry))))
    state = run_phase(key, "requirements")
    assert state.name == "AwaitingSignoff"
    assert _last_run(key).cached_steps == ["prepare_gate:srs-signoff"]
    with session_scope() as s:
        assert len(list(s.exec(select(Document)))) == docs_before
        assert len(list(s.exec(select(AuditEntry)))) == audit_before


def test_locked_phase_is_refused_with_the_blocking_gate(flows_home, make_project) -> None:
    key = make_project("locked-erp")
    with pytest.raises(Conflict, match="gate srs-signoff of phase requirements has not passed"):
        run_phase(key, "design")


def test_health_check_flow_records_findings(flows_home, make_project) -> None:
    from implflow.flows.runner import run_health
    from implflow.services.records import by_kind

    key = make_project("health-erp")
    actions.run(
        records.upsert_many,
        project_key=key,
        actor="chen.lead",
        records={
            "hypercare_issue": {
                "h1": {"title": "Label printer", "severity": "high", "opened": "2026-09-01"}
            }
        },
    )
    state = run_health(key)
    assert state.name == "NeedsAttention"
    assert "no_open_issues" in state.message
    with session_scope() as s:
        checks = by_kind(s, lookup.project(s, key))["health_check"]
    assert len(checks) == 1 and checks[0]["healthy"] is False
    assert checks[0]["checks"]["no_open_issues"]["detail"].startswith("1 open")


def test_engagement_runs_open_phases_until_a_gate_waits(flows_home, make_project) -> None:
    from implflow.flows.runner import run_engagement

    key = make_project("engage-erp")
    state = run_engagement(key)
    assert state.name == "AwaitingSignoff"
    assert state.message.startswith("srs-signoff waits for")
    with session_scope() as s:
        runs = [r.phase_key for r in s.exec(select(PhaseRun))]
    assert runs == ["requirements"]
