"""Read models kept between requests are served only while the store has not changed."""

from __future__ import annotations

from sqlmodel import select

from implflow.services import dashboard, readcache, runs
from implflow.store.db import session_scope
from implflow.store.models import PhaseRun


def test_the_mark_moves_with_audit_entries_and_runs_starting_and_ending(team: str) -> None:
    with session_scope() as s:
        before = readcache.mark(s)
    with session_scope() as s:
        runs.start(s, project_key=team, phase_key="requirements", flow_run_id="r1")
    with session_scope() as s:
        started = readcache.mark(s)
    with session_scope() as s:
        run = s.exec(select(PhaseRun)).one()
        run.outcome = "AwaitingSignoff"  # a run that ends writes no audit entry
        s.add(run)
    with session_scope() as s:
        ended = readcache.mark(s)
    assert len({before, started, ended}) == 3


def test_the_dashboard_shows_a_run_that_ended_since_it_was_read(team: str) -> None:
    with session_scope() as s:
        runs.start(s, project_key=team, phase_key="requirements", flow_run_id="r1")
    with session_scope() as s:
        assert dashboard.dashboard(s)[0].last_run == "requirements: running"
    with session_scope() as s:
        runs.end(s, flow_run_id="r1", outcome="AwaitingSignoff", message="", cached=[])
    with session_scope() as s:
        assert dashboard.dashboard(s)[0].last_run == "requirements: AwaitingSignoff"
