"""A flow that fails: the run recorded Failed with one line, a FlowFailed for the faces, the
reason shown by status; the CLI exits non-zero with that one line and no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from implflow.core.errors import FlowFailed, NotFound
from implflow.flows.runner import raise_if_failed, reason, run_engagement, run_phase
from implflow.services import actions, portfolio
from implflow.store.db import session_scope
from implflow.store.models import PhaseRun

IMPLFLOW = str(Path(sys.executable).with_name("implflow"))


def _block_documents(home: Path, key: str) -> Path:
    """A file where the project's documents folder should be: rendering the drafts fails."""
    (home / "documents").mkdir(parents=True, exist_ok=True)
    blocker = home / "documents" / key
    blocker.touch()
    return blocker


def _runs() -> list[PhaseRun]:
    with session_scope() as s:
        return list(s.exec(select(PhaseRun).order_by(PhaseRun.id)))


def test_failed_phase_is_recorded_and_raised_as_one_line(flows_home, make_project) -> None:
    key = make_project("fail-erp")
    _block_documents(flows_home, key)
    state = run_phase(key, "requirements")
    assert state.is_failed()
    with pytest.raises(FlowFailed) as err:
        raise_if_failed(state, f"{key} requirements")
    message = str(err.value)
    assert message.startswith("fail-erp requirements: flow run failed: Not a directory: ")
    assert "\n" not in message and err.value.exit_code == 9
    (run,) = _runs()
    assert run.outcome == "Failed" and run.ended_at is not None
    assert run.message == f"Not a directory: {flows_home / 'documents' / key / 'srs-signoff'}"
    (row,) = actions.in_session(portfolio.portfolio)
    assert row.last_run is not None and row.last_run.outcome == "Failed"
    assert row.last_run.line() == f"requirements Failed: {run.message}"


def test_failed_phase_fails_the_engagement(flows_home, make_project) -> None:
    key = make_project("fail-engage")
    _block_documents(flows_home, key)
    state = run_engagement(key)
    # before: the engagement ended Completed, merely named "Failed", and the CLI said exit 0
    assert state.is_failed()
    with pytest.raises(FlowFailed, match="^fail-engage: flow run failed: Not a directory: "):
        raise_if_failed(state, key)
    assert [r.outcome for r in _runs()] == ["Failed"]


def test_a_waiting_phase_is_not_a_failure(flows_home, make_project) -> None:
    key = make_project("wait-erp")
    state = run_phase(key, "requirements")
    assert raise_if_failed(state, key) is state
    (row,) = actions.in_session(portfolio.portfolio)
    assert row.last_run is not None and row.last_run.line() == "requirements AwaitingSignoff"


def test_reason_is_one_line() -> None:
    assert reason(NotFound("no project 'x'")) == "no project 'x'"
    assert reason(FileNotFoundError(2, "No such file or directory", "/x/spec.yaml")) == (
        "No such file or directory: /x/spec.yaml"
    )
    assert reason(ValueError("first\nsecond")) == "ValueError: first"
    assert reason(RuntimeError()) == "RuntimeError:"
    assert len(reason(ValueError("x" * 1000))) == 300


def _cli_env(home: Path) -> dict[str, str]:
    """The CLI's environment: this home, and none of the Prefect settings of this test run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return {**env, "IMPLFLOW_HOME": str(home), "COLUMNS": "250"}


@pytest.mark.flows
def test_cli_phase_run_fails_with_one_line_and_status_shows_why(home, make_project) -> None:
    key = make_project("cli-fail")
    _block_documents(home, key)
    env = _cli_env(home)
    out = subprocess.run(
        [IMPLFLOW, "phase", "run", key, "requirements"], env=env, capture_output=True, text=True
    )
    # before: exit 0, the failure as a state name, two Prefect tracebacks on stderr
    assert out.returncode == 9
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error: cli-fail requirements: flow run failed: Not a directory")
    assert "Traceback" in (home / "logs" / "prefect.log").read_text(encoding="utf-8")
    status = subprocess.run(
        [IMPLFLOW, "status", "--json"], env=env, capture_output=True, text=True, check=True
    )
    (row,) = json.loads(status.stdout)
    assert row["last_run"]["outcome"] == "Failed"
    assert row["last_run"]["message"].startswith("Not a directory: ")
    table = subprocess.run([IMPLFLOW, "status"], env=env, capture_output=True, text=True)
    assert "requirements Failed: Not a directory" in table.stdout
