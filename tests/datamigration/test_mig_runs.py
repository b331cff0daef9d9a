"""Full and pilot runs into SQLite and PostgreSQL with exact counts and cent sums; bad specs
refused before any row is written; MariaDB as a legacy source."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
import yaml

from implflow.core.errors import MigrationError, PackError
from implflow.datamigration.load import run
from implflow.datamigration.reconcile import check_thresholds, reconcile
from implflow.datamigration.spec import load_spec


def sqlite_rows(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_full_run_into_sqlite_is_exact(dirty, tmp_path: Path) -> None:
    spec_path, exp = dirty(3000)
    result = run(load_spec(spec_path), "full")
    assert (result.rows_in, result.migrated, result.quarantined, result.duplicates) == (
        exp.rows,
        exp.migrated,
        exp.rejected,
        exp.duplicates,
    )
    assert result.balanced and result.amount_cents == dict(sorted(exp.cents.items()))
    db = tmp_path / "target.db"
    assert sqlite_rows(db, "SELECT COUNT(*), COUNT(DISTINCT order_no) FROM orders")[0] == (
        exp.migrated,
        exp.migrated,
    )
    eur = sqlite_rows(db, "SELECT SUM(CAST(ROUND(amount_eur * 100) AS INTEGER)) FROM orders")
    assert eur[0][0] == exp.eur_cents
    reasons = sqlite_rows(db, "SELECT COUNT(*) FROM implflow_quarantine WHERE kind='rejected'")
    assert reasons[0][0] == exp.rejected
    codes = sqlite_rows(db, "SELECT DISTINCT substr(customer_code, 1, 4) FROM orders")
    assert codes == [("CUS-",)]


def test_rerun_after_success_writes_nothing_new(dirty, tmp_path: Path) -> None:
    spec_path, exp = dirty(1200)
    first = run(load_spec(spec_path), "full")
    again = run(load_spec(spec_path), "full")
    assert again.batches_skipped == again.batches == first.batches
    assert again.migrated == first.migrated == exp.migrated
    assert sqlite_rows(tmp_path / "target.db", "SELECT COUNT(*) FROM orders")[0][0] == exp.migrated


def test_full_run_into_postgres_by_copy_and_reconcile(dirty, pg_url: str) -> None:
    import psycopg

    spec_path, exp = dirty(2500, target=pg_url)
    spec = load_spec(spec_path)
    result = run(spec, "full")
    assert (result.migrated, result.quarantined, result.duplicates) == (
        exp.migrated,
        exp.rejected,
        exp.duplicates,
    )
    recon = reconcile(spec, "full")
    assert recon.balanced and recon.amounts_equal
    assert (recon.missing, recon.extra, recon.changed) == (0, 0, 0)
    assert check_thresholds(recon, 0.05, 0, 0) == []
    with psycopg.connect(pg_url.replace("postgresql://", "postgresql://", 1)) as con:
        con.execute(
            "UPDATE orders SET amount = amount + 0.01 WHERE order_no = "
            "(SELECT min(order_no) FROM orders)"
        )
        con.execute("DELETE FROM orders WHERE order_no = (SELECT max(order_no) FROM orders)")
    tampered = reconcile(spec, "full")
    streamed = reconcile(spec, "full", streaming=True)
    assert streamed.model_dump() == tampered.model_dump()
    assert (tampered.missing, tampered.extra, tampered.changed) == (1, 0, 1)
    assert tampered.changed_columns == {"amount": 1}
    assert tampered.samples[0]["column"] == "amount"
    assert not tampered.amounts_equal
    failures = check_thresholds(tampered, 0.05, 0, 0)
    assert any("amounts differ" in f for f in failures)


def test_pilot_sample_is_deterministic(dirty, tmp_path: Path) -> None:
    spec_path, exp = dirty(3000)
    first = run(load_spec(spec_path), "pilot")
    keys1 = sqlite_rows(tmp_path / "target.db", "SELECT order_no FROM orders_pilot ORDER BY 1")
    assert 0.05 * exp.rows < first.rows_in < 0.15 * exp.rows
    (tmp_path / "target.db").unlink()
    run(load_spec(spec_path), "pilot")
    keys2 = sqlite_rows(tmp_path / "target.db", "SELECT order_no FROM orders_pilot ORDER BY 1")
    assert keys1 == keys2 and len(keys1) == first.migrated
    recon = reconcile(load_spec(spec_path), "pilot")
    assert recon.balanced and (recon.missing, recon.extra, recon.changed) == (0, 0, 0)


def _nothing_written(tmp_path: Path) -> bool:
    db = tmp_path / "target.db"
    return not db.exists() or not sqlite_rows(
        db, "SELECT name FROM sqlite_master WHERE name IN ('orders', 'implflow_ledger')"
    )


def test_spec_naming_a_missing_column_is_refused_before_writing(dirty, tmp_path: Path) -> None:
    spec_path, _ = dirty(100)
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["fields"][2]["source"] = "cust_code"
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MigrationError, match="source column 'cust_code' is not in the source"):
        run(load_spec(spec_path), "full")
    assert _nothing_written(tmp_path)


def test_unknown_rule_is_refused_before_writing(dirty, tmp_path: Path) -> None:
    spec_path, _ = dirty(100)
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["fields"][1]["rules"] = ["trim", "shout"]
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MigrationError, match="field order_no: unknown rule 'shout'"):
        run(load_spec(spec_path), "full")
    assert _nothing_written(tmp_path)


def test_missing_rate_is_refused_before_writing(dirty, tmp_path: Path) -> None:
    spec_path, _ = dirty(300)
    (tmp_path / "rates.csv").write_text(
        "date,currency,rate\n2019-01-01,USD,0.9\n", encoding="utf-8"
    )
    with pytest.raises(MigrationError, match="no CNY rate on 2019-"):
        run(load_spec(spec_path), "full")
    assert _nothing_written(tmp_path)


def test_malformed_spec_names_file_line_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: orders\nsource: {csv: {path: a.csv}}\ntarget: {url: x, table: t}\n"
        "key: [id]\nbatch_size: lots\nfields:\n  - {name: id, source: id}\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError) as info:
        load_spec(path)
    assert (info.value.line, info.value.field) == (5, "batch_size")


def test_unreadable_source_is_a_clear_error(dirty, tmp_path: Path) -> None:
    spec_path, _ = dirty(10)
    (tmp_path / "legacy.csv").unlink()
    with pytest.raises(MigrationError, match="legacy.csv"):
        run(load_spec(spec_path), "full")


@pytest.mark.mariadb
def test_mariadb_legacy_source_into_postgres(dirty, tmp_path: Path, pg_url: str) -> None:
    import csv

    import pymysql

    spec_path, exp = dirty(1500, target=pg_url)
    table = f"legacy_{uuid.uuid4().hex[:8]}"
    con = pymysql.connect(host="127.0.0.1", user="root", database="test", charset="utf8mb4")
    try:
        with con.cursor() as cur:
            cur.execute(
                f"CREATE TABLE {table} (legacy_id INT PRIMARY KEY, order_no VARCHAR(20),"
                " customer_code VARCHAR(40), amount VARCHAR(40), currency VARCHAR(8),"
                " order_date VARCHAR(20)) CHARSET utf8mb4"
            )
            with open(tmp_path / "legacy.csv", encoding="utf-8") as fh:
                rows = list(csv.reader(fh))[1:]
            cur.executemany(f"INSERT INTO {table} VALUES (%s,%s,%s,%s,%s,%s)", rows)
        con.commit()
        spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
        spec["source"] = {
            "sql": {
                "url": "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4",
                "table": table,
                "order_by": ["legacy_id"],
            }
        }
        spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
        result = run(load_spec(spec_path), "full")
        assert (result.migrated, result.quarantined, result.duplicates) == (
            exp.migrated,
            exp.rejected,
            exp.duplicates,
        )
        assert result.amount_cents == dict(sorted(exp.cents.items()))
        recon = reconcile(load_spec(spec_path), "full")
        assert recon.balanced and (recon.missing, recon.extra, recon.changed) == (0, 0, 0)
    finally:
        with con.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
        con.close()
