"""A run killed with SIGKILL mid-way, or whose target goes away, resumes to exactly the rows
of a clean run: none duplicated, none lost."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from implflow.core.errors import MigrationError
from implflow.datamigration.load import run
from implflow.datamigration.spec import load_spec

CHILD = """
import sys
from implflow.datamigration.load import run
from implflow.datamigration.spec import load_spec
def tick(rows, rejected):
    sys.stdout.write("batch\\n"); sys.stdout.flush()
run(load_spec(sys.argv[1]), "full", progress=tick)
"""


def state(db: Path) -> dict:
    con = sqlite3.connect(db)
    try:
        q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        return {
            "rows": q("SELECT COUNT(*), COUNT(DISTINCT order_no) FROM orders")[0],
            "cents": q(
                "SELECT currency, SUM(CAST(ROUND(amount * 100) AS INTEGER)) FROM orders "
                "GROUP BY currency ORDER BY 1"
            ),
            "quarantine": q(
                "SELECT kind, COUNT(*) FROM implflow_quarantine GROUP BY kind ORDER BY 1"
            ),
            "ledger": q(
                "SELECT COUNT(*), SUM(rows_in), SUM(migrated), SUM(quarantined), "
                "SUM(duplicates) FROM implflow_ledger"
            ),
        }
    finally:
        con.close()


def test_kill_9_midway_then_rerun_equals_a_clean_run(dirty, tmp_path: Path) -> None:
    spec_path, exp = dirty(20_000, batch_size=200)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(spec_path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    for _ in range(5):  # five batches committed, then kill wherever the child is
        assert child.stdout.readline() == "batch\n"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    killed = state(tmp_path / "target.db")
    assert 5 <= killed["ledger"][0][0] < exp.rows // 200

    resumed = run(load_spec(spec_path), "full")
    assert resumed.batches_skipped >= 5
    clean_spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    clean_spec["target"]["url"] = "sqlite:///clean.db"
    spec_path.write_text(yaml.safe_dump(clean_spec, allow_unicode=True), encoding="utf-8")
    run(load_spec(spec_path), "full")

    after, clean = state(tmp_path / "target.db"), state(tmp_path / "clean.db")
    assert after == clean
    assert after["rows"] == (exp.migrated, exp.migrated)
    assert dict(after["cents"]) == exp.cents
    assert after["ledger"][0][1:] == (exp.rows, exp.migrated, exp.rejected, exp.duplicates)


def test_target_going_away_midway_stops_clearly_and_rerun_completes(dirty, pg_url) -> None:
    import psycopg

    spec_path, exp = dirty(3000, target=pg_url)
    db = pg_url.rsplit("/", 1)[1]
    seen = []

    def cut_connection(rows: int, rejected: int) -> None:
        seen.append(rows)
        if len(seen) == 2:
            with psycopg.connect(
                "host=127.0.0.1 user=postgres dbname=postgres", autocommit=True
            ) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (db,),
                )

    with pytest.raises(MigrationError, match="run again to resume"):
        run(load_spec(spec_path), "full", progress=cut_connection)
    with psycopg.connect(pg_url) as con:
        kept = con.execute("SELECT COUNT(*) FROM implflow_ledger").fetchone()[0]
    assert kept == 2
    result = run(load_spec(spec_path), "full")
    assert result.batches_skipped == 2
    assert (result.migrated, result.quarantined, result.duplicates) == (
        exp.migrated,
        exp.rejected,
        exp.duplicates,
    )
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT COUNT(*), COUNT(DISTINCT order_no) FROM orders").fetchone() == (
            exp.migrated,
            exp.migrated,
        )
