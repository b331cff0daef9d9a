"""`implflow migrate …` through the CLI runner, and the reconciliation deciding the gate."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from implflow.cli.main import app
from implflow.gates.registry import RecordsData, evaluate_criterion
from implflow.services import actions, lookup, records

runner = CliRunner()


def test_run_reconcile_and_record_for_the_gate(dirty, home: Path, make_project) -> None:
    spec_path, exp = dirty(1500)
    res = runner.invoke(app, ["migrate", "run", str(spec_path), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["migrated"] == exp.migrated
    key = make_project()
    res = runner.invoke(app, ["migrate", "reconcile", str(spec_path), "--project", key, "--json"])
    body = json.loads(res.stdout)
    assert body["balanced"] and body["amounts_equal"] and body["missing"] == 0
    # the sample rejects 2.4%: the standard pack's full gate allows 1%, and the exit code,
    # the recorded verdict and the gate's criterion say the same (one rule)
    assert res.exit_code == 1 and body["passed"] is False
    assert body["reasons"] == ["rejection rate 2.40% > 1.00%"]
    data = actions.in_session(lambda s: records.by_kind(s, lookup.project(s, key)))
    assert data["reconciliation"][0]["migrated"] == exp.migrated
    pack = evaluate_criterion("full_reconciled", RecordsData(data), {"max_rejection_rate": 0.01})
    loose = evaluate_criterion("full_reconciled", RecordsData(data), {"max_rejection_rate": 0.05})
    assert loose.ok and not pack.ok and pack.detail == "orders: rejection rate 2.40% > 1.00%"
    res = runner.invoke(app, ["migrate", "reconcile", str(spec_path), "--mode", "full"])
    assert res.exit_code == 1 and "FAILED: rejection rate 2.40% > 1.00%" in res.stdout


def test_profile_and_errors_are_one_line(dirty, tmp_path: Path) -> None:
    spec_path, exp = dirty(800)
    out = tmp_path / "profile.md"
    res = runner.invoke(app, ["migrate", "profile", str(spec_path), "--json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    prof = json.loads(res.stdout)
    assert prof["rows"] == exp.rows and prof["duplicate_keys"] == exp.duplicates
    assert "order_date: invalid date" in prof["rejects"]
    assert out.read_text(encoding="utf-8").startswith("# Data quality profile: orders")
    res = runner.invoke(app, ["migrate", "run", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 6 and res.stderr.startswith("error: ")
    assert len(res.stderr.strip().splitlines()) == 1
    res = runner.invoke(app, ["migrate", "reconcile", str(spec_path)])
    assert res.exit_code == 6 and "run it first" in res.stderr


FORGED = {
    "object": "orders",
    "stage": "pilot",
    "run_id": "orders-pilot-forged",
    "spec_sha256": "ab" * 32,
    "source_rows": 100,
    "migrated": 100,
    "rejected": 0,
}


def test_a_reconciliation_cannot_be_entered_by_hand(home: Path, make_project, tmp_path) -> None:
    key = make_project()
    forged = json.dumps(FORGED)
    res = runner.invoke(
        app, ["data", "set", key, "reconciliation", "orders-pilot", forged, "--as", "wang.pmo"]
    )
    assert res.exit_code != 0 and len(res.stderr.strip().splitlines()) == 1
    assert "reconciliation records are written only by the code that produces them" in res.stderr
    yaml_file = tmp_path / "forged.yaml"
    yaml_file.write_text(
        "reconciliation:\n  orders-pilot: " + forged + "\nhealth_check:\n  x: "
        '{"at": "2026-01-01", "healthy": true, "checks": {}}\n',
        encoding="utf-8",
    )
    res = runner.invoke(app, ["data", "import", key, str(yaml_file), "--as", "wang.pmo"])
    assert res.exit_code != 0 and "written only by the code" in res.stderr
    data = actions.in_session(lambda s: records.by_kind(s, lookup.project(s, key)))
    assert "reconciliation" not in data and "health_check" not in data
    pilot = evaluate_criterion("pilot_reconciled", RecordsData(data), {})
    assert not pilot.ok and pilot.detail.startswith("no pilot reconciliation recorded")
