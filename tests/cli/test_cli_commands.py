"""The CLI through Typer's runner: commands, --json, one-line errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gate_helpers import ADMIN, GATE, SRS_DATA, complete_items, open_gate, token_for
from typer.testing import CliRunner

from implflow.cli.main import app
from implflow.core.settings import get_settings
from implflow.services import actions, phases, records
from implflow.store.db import session_scope

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def as_user(handle: str, *args: str) -> tuple[int, str, str]:
    """The command run by `handle`, logged in (IMPLFLOW_TOKEN: a fresh log-in token)."""
    token = token_for(handle)
    get_settings.cache_clear()  # the settings read IMPLFLOW_TOKEN once
    try:
        res = runner.invoke(app, list(args), env={"IMPLFLOW_TOKEN": token})
    finally:
        get_settings.cache_clear()
    return res.exit_code, res.stdout, res.stderr


def test_project_create_list_show(home: Path) -> None:
    code, out, _ = cli(
        "project", "create", "acme", "--name", "ACME ERP", "--client", "ACME", "--locale", "zh-CN"
    )
    assert code == 0 and "created project acme (standard@" in out
    code, out, _ = cli("project", "list", "--json")
    assert code == 0 and json.loads(out)[0]["locale"] == "zh-CN"
    as_user(ADMIN, "member", "add", "acme", "chen.lead", "--role", "consultant_lead", "--name", "C")
    code, out, _ = cli("project", "show", "acme", "--json")
    info = json.loads(out)
    assert info["members"] == [{"handle": "chen.lead", "name": "C", "role": "consultant_lead"}]
    assert [p["status"] for p in info["phases"]][:2] == ["open", "locked"]


def test_errors_are_one_line_with_exit_codes(home: Path) -> None:
    code, out, err = cli("project", "show", "ghost")
    assert code == 2 and err.strip() == "error: unknown project 'ghost'"
    cli("project", "create", "acme", "--name", "A", "--client", "C")
    code, _, err = cli("project", "create", "acme", "--name", "A", "--client", "C")
    assert code == 3 and "already exists" in err and len(err.strip().splitlines()) == 1
    code, _, err = as_user(ADMIN, "member", "add", "acme", "x", "--role", "wizard", "--name", "X")
    assert code == 2 and "unknown role 'wizard'" in err
    as_user(ADMIN, "member", "add", "acme", "x", "--role", "consultant", "--name", "X")
    code, _, err = cli("data", "set", "acme", "risk", "r1", "{not json", "--as", "x")
    assert code == 2 and "not valid JSON" in err
    code, _, err = cli("data", "set", "acme", "risk", "r1", '{"title": "t"}', "--as", "x")
    assert code == 2 and "risk record: likelihood: Field required" in err
    code, _, err = cli("project", "create", "Bad Key", "--name", "A", "--client", "C")
    assert code == 2 and "project key" in err


def test_gate_commands_and_check_exit_code(home: Path, make_project) -> None:
    key = make_project()
    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    open_gate(key)
    code, out, _ = cli("gate", "check", key, GATE, "--json")
    assert code == 1 and json.loads(out)["met"] is False
    complete_items(key)
    sign = ("gate", "sign", key, GATE, "--no-advance", "--role")
    code, out, _ = as_user("chen.lead", *sign, "consultant_lead")
    assert code == 0 and "waits for 1 signature" in out
    code, _, err = as_user("zhao.cons", *sign, "client_sponsor")
    assert code == 4 and "do not hold the role" in err
    code, out, _ = as_user("zhou.sponsor", *sign, "client_sponsor")
    assert code == 0 and f"{GATE}: met" in out
    code, out, _ = cli("gate", "check", key, GATE)
    assert code == 0
    code, out, _ = cli("status", "--json")
    row = json.loads(out)[0]
    assert row["project"] == key and row["gate"] == GATE and row["waiting_for"] == "nothing"


def test_audit_verify_catches_an_edited_frozen_document(home: Path, make_project) -> None:
    key = make_project()
    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    open_gate(key)
    complete_items(key)
    actions.sign(
        project_key=key, gate_key=GATE, actor="chen.lead", role="consultant_lead", advance=False
    )
    actions.sign(
        project_key=key, gate_key=GATE, actor="zhou.sponsor", role="client_sponsor", advance=False
    )
    with session_scope() as s:
        paths = phases.pass_gate(s, project_key=key, gate_key=GATE, actor="implflow")
    code, out, _ = cli("audit", "verify", key)
    assert code == 0 and "intact" in out
    srs = next(p for p in paths if "srs.v" in p and p.endswith(".md"))
    Path(srs).write_text(Path(srs).read_text(encoding="utf-8") + "\nedited", encoding="utf-8")
    code, _, err = cli("audit", "verify", key)
    assert code == 5 and f"frozen document {srs} was changed" in err
    code, out, _ = cli("artifacts", "list", key, "--json")
    frozen = [d for d in json.loads(out) if d["status"] == "frozen"]
    assert {d["document"] for d in frozen} == {"srs", "signoff-record"}


def test_store_only_commands_do_not_import_prefect(home: Path) -> None:
    code = (
        "import sys; from typer.testing import CliRunner; from implflow.cli.main import app;"
        "r = CliRunner().invoke(app, ['status', '--json']); assert r.exit_code == 0, r.output;"
        "r = CliRunner().invoke(app, ['project', 'list']); assert r.exit_code == 0;"
        "print('prefect' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_audit_verify_catches_an_edited_audit_row(home: Path, make_project) -> None:
    from sqlalchemy import text

    from implflow.store.db import get_engine

    key = make_project()
    assert cli("audit", "verify", key)[0] == 0
    with get_engine().begin() as con:
        con.execute(
            text("UPDATE auditentry SET actor = 'mallory' WHERE chain = :k AND seq = 2"), {"k": key}
        )
    code, _, err = cli("audit", "verify", key)
    assert code == 5 and f"audit {key}#2: entry was altered (member.add" in err
    code, out, _ = cli("audit", "verify", "--json")
    assert code == 5 and json.loads(out)["intact"] is False


def test_phase_run_of_a_locked_phase_is_refused_before_prefect(home: Path, make_project):
    key = make_project()
    code, _, err = cli("phase", "run", key, "design")
    assert code == 3
    assert err.strip() == (
        "error: phase design cannot run yet: gate srs-signoff of phase requirements has not passed"
    )
    code, _, err = cli("phase", "run", key, "nope")
    assert code == 2 and "unknown phase 'nope'" in err


def test_unexpected_errors_are_one_line_too(home: Path, monkeypatch) -> None:
    from implflow.services import portfolio

    def broken(session):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(portfolio, "portfolio", broken)
    monkeypatch.delenv("IMPLFLOW_DEBUG", raising=False)
    code, _, err = cli("status")
    assert code == 70
    assert err.strip() == (
        "error: internal error: RuntimeError: disk on fire (IMPLFLOW_DEBUG=1 shows where)"
    )


def test_project_with_overlay_and_a_bad_overlay(home: Path, tmp_path: Path) -> None:
    good = tmp_path / "tailoring.yaml"
    good.write_text(
        "pack: standard\ngates:\n  - gate: srs-signoff\n    roles: [client_sponsor]\n",
        encoding="utf-8",
    )
    code, out, _ = cli(
        "project", "create", "tailored", "--name", "T", "--client", "C", "--overlay", str(good)
    )
    assert code == 0
    code, out, _ = cli("gate", "show", "tailored", "srs-signoff", "--json")
    assert json.loads(out)["required_roles"] == ["client_sponsor"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "pack: standard\nremove_items:\n  - gate: srs-signoff\n    key: nope\n", encoding="utf-8"
    )
    code, _, err = cli(
        "project", "create", "broken", "--name", "B", "--client", "C", "--overlay", str(bad)
    )
    assert code == 2
    assert err.strip() == f"error: {bad}:4: remove_items.0.key: gate srs-signoff has no item 'nope'"
    code, out, _ = cli("project", "list", "--json")
    assert [p["key"] for p in json.loads(out)] == ["tailored"]


def test_data_list_by_kind_and_unknown_kind(home: Path, make_project) -> None:
    key = make_project()
    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    code, out, _ = cli("data", "list", key, "department", "--json")
    assert code == 0 and list(json.loads(out)) == ["department"]
    assert len(json.loads(out)["department"]) == len(SRS_DATA["department"])
    code, _, err = cli("data", "list", key, "wizardry")
    assert code == 2 and "unknown record kind 'wizardry'" in err
