"""Phase 3's migration hook: keyed on the gate's criteria, and a reconciliation that always
looks at the target as it is now (never served from a cache that cannot see the data)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from prefect import flow

from implflow.flows import migration_work
from implflow.gates.registry import RecordsData, evaluate_criterion
from implflow.methodology import load_pack
from implflow.services import actions, lookup, records


@flow
def hook(project: str, gate: str) -> None:
    """The phase flow's step before a gate, alone."""
    migration_work.before_gate(project, gate)


def _recon(key: str) -> dict:
    data = actions.in_session(lambda s: records.by_kind(s, lookup.project(s, key)))
    return data["reconciliation"][0]


def test_a_renamed_gate_still_migrates_by_its_criteria() -> None:
    _, gate = load_pack().methodology.gate("pilot-migration-passed")
    renamed = gate.model_copy(update={"key": "datenmigration-pilot"})
    assert migration_work.stages_of(renamed) == ["pilot"]
    _, full = load_pack().methodology.gate("full-migration-verified")
    assert migration_work.stages_of(full.model_copy(update={"key": "cutover-ready"})) == ["full"]
    _, srs = load_pack().methodology.gate("srs-signoff")
    assert migration_work.stages_of(srs) == []


def test_the_gate_never_sees_a_cached_reconciliation(
    flows_home, make_project, tmp_path: Path
) -> None:
    from implflow.datamigration.sample import write_csv, write_spec

    write_csv(tmp_path / "legacy.csv", 1000)
    spec = write_spec(tmp_path, "sqlite:///target.db")
    key = make_project("mig-erp")
    actions.run(
        records.upsert_many,
        project_key=key,
        records={"migration_spec": {"orders": {"path": str(spec)}}},
        actor="wang.pmo",
    )
    hook(key, "pilot-migration-passed")
    first = _recon(key)
    assert first["stage"] == "pilot" and first["missing"] == 0 and first["run_id"]
    loose = {"max_rejection_rate": 0.05}
    data = actions.in_session(lambda s: records.by_kind(s, lookup.project(s, key)))
    assert evaluate_criterion("pilot_reconciled", RecordsData(data), loose).ok
    con = sqlite3.connect(tmp_path / "target.db")
    con.execute("DELETE FROM orders_pilot")  # the pilot's rows are gone from the target
    con.commit()
    con.close()
    hook(key, "pilot-migration-passed")  # the phase runs again
    again = _recon(key)
    assert again["missing"] == first["migrated"] > 0
    data = actions.in_session(lambda s: records.by_kind(s, lookup.project(s, key)))
    res = evaluate_criterion("pilot_reconciled", RecordsData(data), loose)
    assert not res.ok and f"{again['missing']} rows missing from the target" in res.detail
