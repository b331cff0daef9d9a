"""Stale phase runs, on SQLite and PostgreSQL, without Prefect: a run whose process is gone
(or whose pid now names another process) is marked Crashed by status; a live run, or one
owned by another host, is left running."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from sqlmodel import select

from implflow.services import actions, lookup, portfolio, runs
from implflow.store.db import session_scope
from implflow.store.models import PhaseRun


def _dead_process() -> tuple[int, str]:
    """The pid and start token of a process that has ended (and been reaped)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    token = runs.process_start(proc.pid)
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait()
    assert token and runs.process_start(proc.pid) is None
    return proc.pid, token


def _add_run(key: str, flow_run_id: str, *, host: str, pid: int, token: str) -> None:
    with session_scope() as s:
        proj = lookup.project(s, key)
        s.add(
            PhaseRun(
                project_id=proj.id,
                phase_key="requirements",
                flow_run_id=flow_run_id,
                host=host,
                pid=pid,
                process_start=token,
            )
        )


def _outcomes() -> dict[str, str]:
    with session_scope() as s:
        return {r.flow_run_id: r.outcome for r in s.exec(select(PhaseRun))}


def test_status_marks_runs_of_dead_processes_crashed(store, make_project) -> None:
    key = make_project("stale-erp")
    here = socket.gethostname()
    dead_pid, dead_token = _dead_process()
    me = os.getpid()
    _add_run(key, "live", host=here, pid=me, token=runs.process_start(me) or "")
    _add_run(key, "other-host", host="elsewhere", pid=dead_pid, token=dead_token)
    _add_run(key, "reused-pid", host=here, pid=me, token="another-boot:1")
    _add_run(key, "dead", host=here, pid=dead_pid, token=dead_token)
    (row,) = actions.in_session(portfolio.portfolio)
    assert _outcomes() == {
        "live": "running",
        "other-host": "running",
        "reused-pid": "Crashed",
        "dead": "Crashed",
    }
    assert row.last_run is not None and row.last_run.outcome == "Crashed"
    assert row.last_run.message == (
        f"process {dead_pid} on {here} ended without recording an outcome (killed or crashed)"
    )
    with session_scope() as s:
        assert runs.mark_stale(s) == 0  # marked once, then left alone
