"""Bad inputs the sweep (benchmarks/bad_inputs.py) found silently accepted or as internal errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from gate_helpers import GATE, SRS_DATA, open_gate, token_for
from typer.testing import CliRunner

from implflow.cli.main import app
from implflow.core.settings import get_settings
from implflow.services import actions, records

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    get_settings.cache_clear()
    try:
        res = runner.invoke(app, list(args), env=env)
    finally:
        get_settings.cache_clear()
    return res.exit_code, res.stderr


def one_line(code: int, err: str, expected_code: int, words: str) -> None:
    assert code == expected_code and words in err and err.count("\n") == 1, err


def test_a_bad_setting_is_one_line_naming_its_variable(home: Path) -> None:
    code, err = run("status", env={"IMPLFLOW_EVIDENCE_MAX_BYTES": "lots"})
    one_line(code, err, 2, "setting IMPLFLOW_EVIDENCE_MAX_BYTES")


def test_a_record_nested_too_deeply_is_refused(home: Path, make_project: Callable) -> None:
    key = make_project()
    deep = "[" * 5000 + "]" * 5000
    code, err = run("data", "set", key, "department", "d5", deep, "--as", "chen.lead")
    one_line(code, err, 2, "nested too deeply")


@pytest.mark.parametrize(
    "name", ["", "   ", "a\nb", "a\x1b[31mb", "a\u200bb", "\ufeffACME", "a\u202eb"]
)
def test_a_project_name_or_client_with_invisible_characters_is_refused(
    home: Path, name: str
) -> None:
    code, err = run("project", "create", "p1", "--name", name, "--client", "C", "--as", "x.pmo")
    assert code == 2 and "project name" in err, err
    code, err = run("project", "create", "p1", "--name", "N", "--client", name, "--as", "x.pmo")
    assert code == 2 and "client" in err, err


def test_an_evidence_url_without_a_host_is_refused(home: Path, make_project: Callable) -> None:
    key = make_project()
    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    open_gate(key)
    env = {"IMPLFLOW_TOKEN": token_for("zhao.cons")}
    item = "departments-interviewed"
    code, err = run("gate", "complete", key, GATE, item, "--url", "http://", env=env)
    one_line(code, err, 2, "with a host")
