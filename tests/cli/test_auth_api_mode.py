"""With IMPLFLOW_API_URL set, the CLI logs in and acts through a console's JSON API."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from gate_helpers import GATE, PW, SRS_DATA, open_gate, token_for
from typer.testing import CliRunner

from implflow.cli import remote
from implflow.cli.main import app
from implflow.console import create_app
from implflow.core.settings import get_settings
from implflow.services import actions, records
from implflow.services.views import gate_view

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # this Starlette asks for httpx2 under its TestClient
    from fastapi.testclient import TestClient

runner = CliRunner()


class Kept:
    def start(self, project_key: str, phase_key: str) -> str:
        return "queued"


def test_login_and_complete_through_the_console_api(
    make_project: Callable[..., str], monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    key = make_project()
    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    open_gate(key)
    token_for("zhao.cons")  # the account exists on the console's store
    client = TestClient(create_app(trigger=Kept()), base_url="http://console")
    monkeypatch.setattr(remote, "make_client", lambda: client)
    monkeypatch.setenv("IMPLFLOW_API_URL", "http://console")
    get_settings.cache_clear()
    res = runner.invoke(app, ["login", "zhao.cons", "--password-stdin"], input=PW)
    assert res.exit_code == 0 and "at http://console" in res.stdout, res.stderr
    res = runner.invoke(
        app,
        ["gate", "complete", key, GATE, "departments-interviewed", "--url", "https://w.example"],
    )
    assert res.exit_code == 0 and "done by zhao.cons" in res.stdout, res.stderr
    res = runner.invoke(app, ["gate", "complete", key, GATE, "scope-agreed"])
    assert res.exit_code == 4 and "may not complete" in res.stderr
    monkeypatch.delenv("IMPLFLOW_API_URL")
    get_settings.cache_clear()
    view = actions.in_session(lambda s: gate_view(s, key, GATE))
    done = {i["key"]: i["by"] for i in view["items"] if i["state"] == "done"}
    assert done == {"departments-interviewed": "zhao.cons"}
