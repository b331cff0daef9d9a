"""Reconciliation across databases: a MariaDB table against a PostgreSQL table, streamed and
merged; and a MariaDB legacy source migrated into PostgreSQL, reconciled by streaming."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from test_recon_tables import COLUMNS, DDL, EXPECTED_DIFF, KINDS, expected_rows, fill, target_rows

from implflow.datamigration.load import run
from implflow.datamigration.reconcile import reconcile, reconcile_streams, reconcile_tables
from implflow.datamigration.spec import load_spec

pytestmark = pytest.mark.mariadb
MARIADB = "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"


class Maria:
    """A MariaDB connection to db test; the tables it makes are dropped afterwards."""

    def __init__(self) -> None:
        import pymysql

        self.con = pymysql.connect(
            host="127.0.0.1", user="root", database="test", charset="utf8mb4"
        )
        self.made: list[str] = []

    def make(self, ddl: str, table: str, rows: list) -> None:  # type: ignore[type-arg]
        self.made.append(table)
        with self.con.cursor() as cur:
            cur.execute(ddl + " CHARSET utf8mb4")
            marks = ",".join(["%s"] * len(rows[0]))
            cur.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        self.con.commit()

    def close(self) -> None:
        with self.con.cursor() as cur:
            for table in self.made:
                cur.execute(f"DROP TABLE IF EXISTS {table}")
        self.con.close()


@pytest.fixture
def maria() -> Iterator[Maria]:
    m = Maria()
    yield m
    m.close()


def test_mariadb_table_against_postgres_table(maria, pg_url: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    e, t = f"recon_exp_{suffix}", f"recon_tgt_{suffix}"
    exp = expected_rows()
    maria.make(DDL.format(t=e), e, exp)
    fill(pg_url, (e, t), (exp, target_rows(exp)))  # the same expected rows in PostgreSQL too
    across = reconcile_streams(
        (MARIADB, e), (pg_url, t), ["code"], COLUMNS, KINDS, "amount", "currency"
    )
    assert {k: getattr(across, k) for k in EXPECTED_DIFF} == EXPECTED_DIFF
    in_pg = reconcile_tables(pg_url, e, t, ["code"], COLUMNS, "amount", "currency", kinds=KINDS)
    assert across.model_dump() == in_pg.model_dump()


def test_mariadb_source_into_postgres_reconciled_by_streaming(
    maria, dirty, tmp_path: Path, pg_url: str
) -> None:
    import psycopg

    spec_path, exp = dirty(1200, target=pg_url)
    table = f"recon_legacy_{uuid.uuid4().hex[:8]}"
    with open(tmp_path / "legacy.csv", encoding="utf-8") as fh:
        legacy = list(csv.reader(fh))[1:]
    maria.make(
        f"CREATE TABLE {table} (legacy_id INT PRIMARY KEY, order_no VARCHAR(20),"
        " customer_code VARCHAR(40), amount VARCHAR(40), currency VARCHAR(8),"
        " order_date VARCHAR(20))",
        table,
        legacy,
    )
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["source"] = {"sql": {"url": MARIADB, "table": table}}  # unordered: sorted externally
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    run(load_spec(spec_path), "full")
    clean = reconcile(load_spec(spec_path), "full", streaming=True, run_size=300)
    assert clean.balanced and clean.amounts_equal
    assert (clean.missing, clean.extra, clean.changed) == (0, 0, 0)
    assert (clean.source_rows, clean.migrated) == (exp.rows, exp.migrated)
    assert clean.amount_source_cents == dict(sorted(exp.cents.items()))
    with psycopg.connect(pg_url) as con:
        con.execute("UPDATE orders SET customer_code = 'CUS-X' WHERE order_no = 'SO-000002'")
    streamed = reconcile(load_spec(spec_path), "full", streaming=True, run_size=300)
    in_sql = reconcile(load_spec(spec_path), "full")
    assert streamed.model_dump() == in_sql.model_dump()
    assert (streamed.changed, streamed.changed_columns) == (1, {"customer_code": 1})
    assert streamed.samples[0]["key"] == "SO-000002"
