"""Key-by-key reconciliation of two tables with known differences, on SQLite and PostgreSQL:
the SQL path (FULL OUTER JOIN, and the LEFT JOIN + anti-join form), the streaming merge on the
same data (sorted by the database, or shuffled and sorted externally) give the same result."""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from implflow.datamigration.load import open_target
from implflow.datamigration.reconcile import reconcile_streams, reconcile_tables
from implflow.datamigration.reconcile import sort as recon_sort
from implflow.datamigration.reconcile.diff import canonical_row
from implflow.datamigration.reconcile.sort import external_sort
from implflow.datamigration.reconcile.sql import compare_tables
from implflow.datamigration.reconcile.stream import Layout, compare_streams

COLUMNS = ["code", "name", "amount", "currency", "day", "note"]
KINDS = {"code": "str", "name": "str", "amount": "decimal", "currency": "str", "day": "date"}
KINDS["note"] = "str"
DDL = (
    "CREATE TABLE {t} (code VARCHAR(20) PRIMARY KEY, name VARCHAR(40), amount NUMERIC(18,2), "
    "currency VARCHAR(3), day DATE, note VARCHAR(20))"
)
# keys whose code-point order differs from a linguistic collation's ('B' < 'a' < 'Ä' < 'é')
PREFIX = ["a", "B", "Ä", "z", "é"]


def expected_rows() -> list[tuple]:
    rows = []
    for i in range(1, 41):
        code = f"{PREFIX[i % 5]}-{i:03d}"
        cur = ["EUR", "USD", "EUR", "CNY"][i % 4]
        note = None if i % 3 == 0 else f"n{i}"
        rows.append(
            (code, f"Name {i}", Decimal(i * 100 + 5) / 100, cur, f"2024-01-{i % 28 + 1:02d}", note)
        )
    return rows


def key_of(i: int) -> str:
    return f"{PREFIX[i % 5]}-{i:03d}"


def target_rows(expected: list[tuple]) -> list[tuple]:
    """The expected rows with known differences (see EXPECTED_DIFF)."""
    rows = {r[0]: list(r) for r in expected}
    del rows[key_of(3)]  # missing
    del rows[key_of(4)]  # missing
    rows["z-999"] = ["z-999", "Stray", Decimal("5.00"), "EUR", "2024-02-01", None]  # extra
    rows[key_of(5)][2] += Decimal("0.01")  # amount
    rows[key_of(7)][1] = "Name 7 GmbH"  # name
    rows[key_of(8)][4] = "1999-01-01"  # date
    rows[key_of(12)][5] = "x"  # NULL expected, a value in the target
    rows[key_of(11)][5] = None  # a value expected, NULL in the target
    rows[key_of(18)][3] = "USD"  # currency: moves the sums
    rows[key_of(14)][2] = None  # amount NULL in the target
    rows[key_of(16)][1] = None  # NULL
    return [tuple(v) for v in rows.values()]


EXPECTED_DIFF = {
    "missing": 2,
    "extra": 1,
    "changed": 8,
    "changed_columns": {"amount": 2, "name": 2, "day": 1, "note": 2, "currency": 1},
}


def cents_by_currency(rows: list[tuple]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        if r[2] is not None:
            out[r[3]] = out.get(r[3], 0) + int(r[2] * 100)
    return dict(sorted(out.items()))


def fill(url: str, tables: tuple[str, str], rows: tuple[list[tuple], list[tuple]]) -> None:
    target = open_target(url)
    try:
        for table, data in zip(tables, rows, strict=True):
            target.execute(DDL.format(t=table))
            target.insert_rows(table, COLUMNS, [_typed(r) for r in data])
    finally:
        target.close()


def _typed(r: tuple) -> tuple:
    import datetime as dt

    return (*r[:4], dt.date.fromisoformat(r[4]), r[5])


@pytest.fixture(scope="module")
def pg_db() -> Iterator[str]:
    """One fresh PostgreSQL database for this module, dropped afterwards."""
    import psycopg

    admin = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    name = f"implflow_recon_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgres"])
def two_tables(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str, str]:
    """(url, expected table, target table) holding the known differences."""
    url = (
        f"sqlite:///{tmp_path / 'recon.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_db")
    )
    suffix = uuid.uuid4().hex[:8]
    tables = (f"exp_{suffix}", f"tgt_{suffix}")
    exp = expected_rows()
    fill(url, tables, (exp, target_rows(exp)))
    return url, *tables


def recon(url: str, e: str, t: str, **kw):  # type: ignore[no-untyped-def]
    return reconcile_tables(url, e, t, ["code"], COLUMNS, "amount", "currency", kinds=KINDS, **kw)


def test_sql_path_finds_exactly_the_known_differences(two_tables) -> None:
    url, e, t = two_tables
    r = recon(url, e, t)
    got = {k: getattr(r, k) for k in EXPECTED_DIFF}
    assert got == EXPECTED_DIFF
    exp = expected_rows()
    assert (r.expected_rows, r.target_rows) == (40, 39)
    assert r.amount_source_cents == cents_by_currency(exp)
    assert r.amount_target_cents == cents_by_currency(target_rows(exp))
    assert not r.amounts_equal
    changed = [s for s in r.samples if s["column"] != "*"]
    assert changed[0] == {
        "key": "B-011",
        "column": "note",
        "expected": "n11",
        "actual": "NULL",
    }  # code-point order: 'B' before 'a'
    assert {"key": "a-005", "column": "amount", "expected": "5.05", "actual": "5.06"} in changed
    assert [s["key"] for s in changed] == ["B-011", "B-016", "a-005", "z-008", "z-018"]
    rows = [s for s in r.samples if s["column"] == "*"]
    assert rows == [
        {"key": "z-003", "column": "*", "expected": "row", "actual": "no row"},
        {"key": "é-004", "column": "*", "expected": "row", "actual": "no row"},
        {"key": "z-999", "column": "*", "expected": "no row", "actual": "row"},
    ]


def test_left_join_and_anti_join_give_the_full_join_result(two_tables) -> None:
    url, e, t = two_tables
    target = open_target(url)
    try:
        full = compare_tables(target, e, t, ["code"], COLUMNS, KINDS, ("amount", "currency"))
        left = compare_tables(
            target, e, t, ["code"], COLUMNS, KINDS, ("amount", "currency"), full_join=False
        )
    finally:
        target.close()
    assert left == full
    assert full.missing == 2 and full.extra == 1


def test_streaming_gives_the_sql_result(two_tables) -> None:
    url, e, t = two_tables
    sql = recon(url, e, t)
    streamed = reconcile_streams((url, e), (url, t), ["code"], COLUMNS, KINDS, "amount", "currency")
    assert streamed.model_dump() == sql.model_dump()


def test_unsorted_streams_are_sorted_externally_in_small_runs(
    two_tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, e, t = two_tables
    sql = recon(url, e, t)
    canon = canonical_row([KINDS[c] for c in COLUMNS], {0})
    exp, tgt = expected_rows(), target_rows(expected_rows())
    random.Random(3).shuffle(exp)
    random.Random(4).shuffle(tgt)
    spilled = []
    real = recon_sort._spill
    monkeypatch.setattr(recon_sort, "_spill", lambda *a: spilled.append(1) or real(*a))
    layout = Layout(COLUMNS, [KINDS[c] for c in COLUMNS], [0], amount=2, currency=3)
    diff = compare_streams(lambda: map(canon, exp), lambda: map(canon, tgt), layout, run_size=4)
    assert len(spilled) >= 20  # 40 + 39 rows in runs of 4: sorted on disk, not in memory
    assert (diff.missing, diff.extra, diff.changed) == (2, 1, 8)
    assert diff.changed_columns == sql.changed_columns
    assert diff.samples == sql.samples
    assert diff.amount_target_cents == sql.amount_target_cents


def test_a_table_ordered_by_a_case_blind_collation_still_compares_right(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nocase.db'}"
    con = sqlite3.connect(tmp_path / "nocase.db")
    for t in ("e", "t"):
        con.execute(f"CREATE TABLE {t} (code TEXT COLLATE NOCASE PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO e VALUES (?, ?)", [("a", "1"), ("B", "2"), ("c", "3")])
    con.executemany("INSERT INTO t VALUES (?, ?)", [("a", "1"), ("B", "x"), ("d", "4")])
    con.commit()
    con.close()
    kinds = {"code": "str", "name": "str"}
    r = reconcile_streams((url, "e"), (url, "t"), ["code"], ["code", "name"], kinds)
    assert (r.missing, r.extra, r.changed) == (1, 1, 1)
    assert r.samples[0] == {"key": "B", "column": "name", "expected": "2", "actual": "x"}


def test_external_sort_is_stable_and_bounded() -> None:
    rows = [(random.Random(i).randrange(10), i) for i in range(200)]
    out = list(external_sort(iter(rows), key=lambda r: r[0], run_size=7))
    assert out == sorted(rows, key=lambda r: r[0])  # sorted() is stable: same tie order
    assert list(external_sort(iter([]), key=lambda r: r)) == []
