"""Issue 7: a migration gate is decided only by a produced reconciliation, never by hand."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from implflow.cli.main import app
from implflow.gates.registry import RecordsData, evaluate_criterion
from implflow.projectdata.records import validate
from implflow.services import actions, lookup, records
from implflow.store.db import session_scope
from implflow.store.models import ProjectRecord

runner = CliRunner()

PLAN = {"name": "orders", "source_system": "Legacy MRP", "owner": "wu.data", "source_rows": 100}
# The figures a migration_object once took by hand: a perfect pilot and full run.
TYPED = {
    "pilot_rows": 10,
    "pilot_migrated": 10,
    "pilot_rejected": 0,
    "pilot_amount_diff_cents": 0,
    "full_migrated": 100,
    "full_rejected": 0,
    "full_amount_diff_cents": 0,
    "changed_keys": 0,
}
NONE = "no pilot reconciliation recorded (run the phase, or `implflow migrate reconcile"


def _data(key: str) -> dict:
    return actions.in_session(lambda s: records.by_kind(s, lookup.project(s, key)))


def test_typed_migration_figures_do_not_pass_the_pilot_gate(home: Path, make_project) -> None:
    key = make_project()
    res = runner.invoke(
        app,
        ["data", "set", key, "migration_object", "orders", json.dumps(PLAN | TYPED)]
        + ["--as", "wang.pmo"],
    )
    assert res.exit_code != 0 and len(res.stderr.strip().splitlines()) == 1
    assert "record: changed_keys: result figures come only from a migration's reconciliation" in (
        res.stderr
    )
    res = runner.invoke(
        app,
        ["data", "set", key, "migration_object", "orders", json.dumps(PLAN)] + ["--as", "wang.pmo"],
    )
    assert res.exit_code == 0, res.output
    for stage in ("pilot", "full"):
        got = evaluate_criterion(f"{stage}_reconciled", RecordsData(_data(key)), {})
        assert not got.ok and got.detail.startswith(NONE.replace("pilot", stage))


def test_an_old_store_with_typed_figures_still_reads_and_does_not_pass(
    home: Path, make_project
) -> None:
    key = make_project()
    project_id = actions.in_session(lambda s: lookup.project(s, key).id)
    with session_scope() as s:  # a row written before the figures were retired
        s.add(
            ProjectRecord(
                project_id=project_id, kind="migration_object", key="orders", data=PLAN | TYPED
            )
        )
    data = _data(key)
    assert data["migration_object"][0]["pilot_migrated"] == 10
    got = evaluate_criterion("pilot_reconciled", RecordsData(data), {})
    assert not got.ok and got.detail.startswith(NONE)
    assert "pilot_migrated" not in validate("migration_object", PLAN)


def test_every_planned_object_needs_its_reconciliation(home: Path, make_project) -> None:
    recon = {
        "object": "orders",
        "stage": "pilot",
        "run_id": "orders-pilot-1",
        "spec_sha256": "abc",
        "source_rows": 10,
        "migrated": 10,
        "rejected": 0,
    }
    plan = [PLAN, PLAN | {"name": "customers"}]
    data = {"reconciliation": [recon], "migration_object": plan}
    got = evaluate_criterion("pilot_reconciled", RecordsData(data), {})
    assert not got.ok and got.detail.startswith("customers: " + NONE)
    data["migration_object"] = [PLAN]
    assert evaluate_criterion("pilot_reconciled", RecordsData(data), {}).ok
