"""End to end: a full or pilot run, then `reconcile` on both legs, in SQL and by streaming, on
SQLite and PostgreSQL; a tampered target is reported exactly."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from implflow.core.errors import MigrationError
from implflow.datamigration.load import run
from implflow.datamigration.reconcile import check_thresholds, reconcile
from implflow.datamigration.spec import MigrationSpec, load_spec
from implflow.projectdata.records import Reconciliation


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The target URL: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'target.db'}"
    return request.getfixturevalue("pg_url")


def sql(url: str, statement: str) -> list[tuple]:
    """Run one statement on the target, outside implflow."""
    if url.startswith("sqlite:///"):
        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            with con:
                return con.execute(statement).fetchall()
        finally:
            con.close()
    import psycopg

    with psycopg.connect(url) as con:
        cur = con.execute(statement)
        return cur.fetchall() if cur.description else []


def both_ways(spec: MigrationSpec, mode: str = "full"):  # type: ignore[no-untyped-def]
    """The SQL path's result, after checking the streaming path gives the same."""
    in_sql = reconcile(spec, mode)
    streamed = reconcile(spec, mode, streaming=True, run_size=500)
    assert streamed.model_dump() == in_sql.model_dump()
    return in_sql


def test_full_run_reconciles_clean_then_reports_exactly_the_tampering(dirty, target) -> None:
    spec_path, exp = dirty(2000, target=target)
    spec = load_spec(spec_path)
    run(spec, "full")
    r = both_ways(spec)
    assert r.balanced and r.amounts_equal and not r.unbalanced_batches
    assert (r.source_rows, r.migrated, r.rejected, r.duplicates) == (
        exp.rows,
        exp.migrated,
        exp.rejected,
        exp.duplicates,
    )
    assert (r.missing, r.extra, r.changed, r.samples) == (0, 0, 0, [])
    assert r.amount_source_cents == dict(sorted(exp.cents.items()))
    assert sum(r.rejection_reasons.values()) >= exp.rejected
    assert check_thresholds(r, 0.05, 0, 0) == []
    Reconciliation.model_validate(r.to_record())

    cur = sql(target, "SELECT currency FROM orders WHERE order_no = 'SO-000010'")[0][0]
    sql(target, "UPDATE orders SET amount = amount + 0.01 WHERE order_no = 'SO-000010'")
    sql(target, "UPDATE orders SET customer_code = 'CUS-0000000' WHERE order_no = 'SO-000020'")
    t = both_ways(spec)
    assert (t.missing, t.extra, t.changed) == (0, 0, 2)
    assert t.changed_columns == {"amount": 1, "customer_code": 1}
    assert [(s["key"], s["column"]) for s in t.samples] == [
        ("SO-000010", "amount"),
        ("SO-000020", "customer_code"),
    ]
    amount = t.samples[0]
    assert Decimal(amount["actual"]) - Decimal(amount["expected"]) == Decimal("0.01")
    assert t.samples[1]["actual"] == "CUS-0000000" != t.samples[1]["expected"]
    diff = {c: t.amount_target_cents[c] - t.amount_source_cents[c] for c in t.amount_source_cents}
    assert {c: d for c, d in diff.items() if d} == {cur: 1}
    assert t.balanced  # leg 1's counts do not see a changed value; leg 2 does
    assert check_thresholds(t, 0.05, 0, 0) == [
        "amounts differ by 1 cents (at most 0)",
        "0 missing, 0 extra, 2 changed keys (at most 0)",
    ]


def test_missing_and_extra_rows_after_a_run(dirty, target) -> None:
    spec_path, _ = dirty(800, target=target)
    spec = load_spec(spec_path)
    run(spec, "full")
    sql(target, "DELETE FROM orders WHERE order_no IN ('SO-000003', 'SO-000004')")
    sql(
        target,
        "INSERT INTO orders (id, order_no, customer_code, amount, currency, order_date, "
        "amount_eur) VALUES (99999, 'SO-999999', 'CUS-0000001', 1.00, 'EUR', '2024-01-02', 1.00)",
    )
    r = both_ways(spec)
    assert (r.missing, r.extra, r.changed) == (2, 1, 0)
    assert [s["key"] for s in r.samples] == ["SO-000003", "SO-000004", "SO-999999"]
    assert r.expected_rows - r.target_rows == 1
    assert not r.amounts_equal


def _rejected_sample_key(url: str, run_id: str) -> str:
    raw = sql(
        url,
        "SELECT raw FROM implflow_quarantine WHERE kind = 'rejected' AND run_id = "
        f"'{run_id}' ORDER BY source_line LIMIT 1",
    )[0][0]
    return json.loads(raw)[1].strip().upper()


def test_pilot_compares_only_the_sampled_keys(dirty, tmp_path: Path, target) -> None:
    spec_path, _ = dirty(3000, target=target)
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["target"].pop("staging_table")  # the pilot goes into its default table, orders_pilot
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    spec = load_spec(spec_path)
    pilot = run(spec, "pilot")
    assert pilot.table == "orders_pilot"
    insert = (
        "INSERT INTO orders_pilot (id, order_no, customer_code, amount, currency, order_date, "
        "amount_eur) VALUES ({id}, '{no}', 'CUS-0000001', 1.00, 'EUR', '2024-01-02', 1.00)"
    )
    sql(target, insert.format(id=99998, no="SO-999998"))  # not in the sample: not compared
    clean = both_ways(spec, "pilot")
    assert clean.balanced and (clean.missing, clean.extra, clean.changed) == (0, 0, 0)
    assert clean.source_rows == pilot.rows_in < 3000
    assert clean.target_rows == pilot.migrated
    stray = _rejected_sample_key(target, pilot.run_id)  # a sampled key the pilot rejected
    sql(target, insert.format(id=99999, no=stray))
    r = both_ways(spec, "pilot")
    assert (r.missing, r.extra, r.changed) == (0, 1, 0)
    assert r.samples == [{"key": stray, "column": "*", "expected": "no row", "actual": "row"}]


def test_keep_latest_is_deduplicated_as_the_run_did(dirty, target) -> None:
    spec_path, exp = dirty(1500, target=target, dedup={"keep": "latest"})
    spec = load_spec(spec_path)
    run(spec, "full")
    r = both_ways(spec)
    assert (r.missing, r.extra, r.changed) == (0, 0, 0)
    assert r.balanced and r.amounts_equal and r.duplicates == exp.duplicates


def test_an_unfinished_run_does_not_balance(dirty, tmp_path: Path) -> None:
    spec_path, _ = dirty(1200, batch_size=200)
    spec = load_spec(spec_path)
    run(spec, "full")
    url = f"sqlite:///{tmp_path / 'target.db'}"
    sql(url, "DELETE FROM implflow_ledger WHERE batch_no = 5")  # as if the last batch never ran
    r = reconcile(spec, "full")
    assert not r.balanced and r.source_rows == 1200 > r.migrated + r.rejected + r.duplicates
    assert check_thresholds(r, 1.0, 10**9, 10**9)[0].startswith("counts do not balance")


def test_bad_requests_are_one_line_errors(dirty, tmp_path: Path) -> None:
    spec_path, _ = dirty(100)
    spec = load_spec(spec_path)
    with pytest.raises(MigrationError, match="no run orders-full-.* in the target's ledger"):
        reconcile(spec, "full")
    with pytest.raises(MigrationError, match="mode must be pilot or full"):
        reconcile(spec, "test")
    run_id = run(spec, "full").run_id
    (tmp_path / "legacy.csv").write_text("legacy_id,order_no\n1,SO-1\n", encoding="utf-8")
    with pytest.raises(MigrationError, match="source column 'customer_code' is not in the source"):
        reconcile(spec, "full", run_id=run_id)
