"""The key-by-key leg in one database: one FULL OUTER JOIN pass counts rows, missing, extra
and changed keys, changed values per column and amounts per currency in integer cents.

Comparisons are NULL-safe (`IS NOT`, `IS DISTINCT FROM`, `<=>`); decimals compare as cents.
Where FULL OUTER JOIN is missing (SQLite before 3.39, MariaDB) the same aggregates run over a
LEFT JOIN and an anti-join, and the two rows are added up.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from implflow.datamigration.load import Target
from implflow.datamigration.reconcile.diff import (
    CANON,
    MAX_CHANGED,
    MAX_EXTRA,
    MAX_MISSING,
    Diff,
    changed_sample,
    key_text,
    row_sample,
)
from implflow.datamigration.reconcile.stream import order_by


def has_full_join(dialect: str) -> bool:
    """Whether the database runs FULL OUTER JOIN (SQLite from 3.39)."""
    if dialect == "sqlite":
        return sqlite3.sqlite_version_info >= (3, 39, 0)
    return dialect == "postgresql"


def _ne(dialect: str, a: str, b: str) -> str:
    if dialect == "postgresql":
        return f"({a} IS DISTINCT FROM {b})"
    if dialect in ("mysql", "mariadb"):
        return f"(NOT ({a} <=> {b}))"
    return f"({a} IS NOT {b})"


def _count(dialect: str, cond: str) -> str:
    if dialect == "postgresql":
        return f"COUNT(*) FILTER (WHERE {cond})"
    if dialect == "sqlite":
        return f"SUM({cond})"  # a comparison is 0 or 1 there
    return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"


class Query:
    """The SQL of one comparison: expected table `e` against target table `t`."""

    def __init__(
        self,
        target: Target,
        tables: tuple[str, str],
        key: list[str],
        columns: list[str],
        kinds: dict[str, str],
        restrict: str | None = None,
    ) -> None:
        self.d, self.key, self.kinds = target.dialect, key, kinds
        self.e, t = tables
        self.cmp = [c for c in columns if c not in key]
        self.on = " AND ".join(f"e.{k} = t.{k}" for k in key)
        if restrict:  # pilot: only the target rows of the sample's keys
            inner = " AND ".join(f"x.{k} = {t}.{k}" for k in key)
            keep = " AND ".join(f"y.{k} = {t}.{k}" for k in key)
            t = (
                f"(SELECT * FROM {t} WHERE EXISTS (SELECT 1 FROM {self.e} x WHERE {inner}) "
                f"OR EXISTS (SELECT 1 FROM {restrict} y WHERE {keep}))"
            )
        self.t = t
        self.ne = {c: _ne(self.d, self.val("e", c), self.val("t", c)) for c in self.cmp}
        self.any = " OR ".join(self.ne.values()) or "1 = 0"

    def val(self, alias: str, col: str) -> str:
        ref = f"{alias}.{col}"
        return f"CAST(ROUND({ref} * 100) AS BIGINT)" if self.kinds[col] == "decimal" else ref

    def order(self, alias: str) -> str:
        kinds = [self.kinds[k] for k in self.key]
        return order_by(self.d, [f"{alias}.{k}" for k in self.key], kinds)

    def aggregates(self, money: tuple[str, str] | None, currencies: list[Any]) -> str:
        k, c = self.key[0], lambda cond: _count(self.d, cond)
        both = f"e.{k} IS NOT NULL AND t.{k} IS NOT NULL"
        cols = [
            f"COUNT(e.{k})",
            f"COUNT(t.{k})",
            c(f"t.{k} IS NULL"),
            c(f"e.{k} IS NULL"),
            c(f"{both} AND ({self.any})"),
            *(c(f"{both} AND {x}") for x in self.ne.values()),
        ]
        if money:
            amount, cur = money
            for alias in ("e", "t"):
                for value in currencies:
                    match = f"{alias}.{cur} IS NULL" if value is None else f"{alias}.{cur} = %s"
                    cols.append(f"SUM(CASE WHEN {match} THEN {self.val(alias, amount)} END)")
        return ", ".join(cols)


def _currencies(target: Target, q: Query, currency: str) -> list[Any]:
    rows = target.execute(f"SELECT {currency} FROM {q.e} UNION SELECT {currency} FROM {q.t} t_")
    return sorted((r[0] for r in rows), key=lambda v: (v is not None, str(v)))


def _totals(
    target: Target, q: Query, money: tuple[str, str] | None, full_join: bool
) -> tuple[list[int], list[Any]]:
    currencies = _currencies(target, q, money[1]) if money else []
    select = f"SELECT {q.aggregates(money, currencies)}"
    params = tuple(v for v in currencies if v is not None) * 2
    if full_join:
        rows = target.execute(f"{select} FROM {q.e} e FULL OUTER JOIN {q.t} t ON {q.on}", params)
    else:
        k = q.key[0]
        rows = target.execute(
            f"{select} FROM {q.e} e LEFT JOIN {q.t} t ON {q.on} UNION ALL "
            f"{select} FROM {q.t} t LEFT JOIN {q.e} e ON {q.on} WHERE e.{k} IS NULL",
            params * 2,
        )
    return [sum(int(r[i] or 0) for r in rows) for i in range(len(rows[0]))], currencies


def compare_tables(
    target: Target,
    expected: str,
    actual: str,
    key: list[str],
    columns: list[str],
    kinds: dict[str, str],
    money: tuple[str, str] | None = None,
    restrict: str | None = None,
    full_join: bool | None = None,
) -> Diff:
    """Compare two tables of one database key by key; `money` is (amount, currency) columns.

    `restrict` (pilot) names a table of extra keys: the target counts only its rows whose key
    is expected or listed there. `full_join=False` forces the LEFT JOIN + anti-join form.
    """
    q = Query(target, (expected, actual), key, columns, kinds, restrict)
    if full_join is None:
        full_join = has_full_join(target.dialect)
    row, currencies = _totals(target, q, money, full_join)
    n = len(q.cmp)
    d = Diff(*row[:5])
    d.changed_columns = {c: v for c, v in zip(q.cmp, row[5 : 5 + n], strict=True) if v}
    sums = row[5 + n :]
    names = ["NULL" if v is None else str(v) for v in currencies]
    for side, part in (
        (d.amount_expected_cents, sums[: len(names)]),
        (d.amount_target_cents, sums[len(names) :]),
    ):
        side.update((c, v) for c, v in zip(names, part, strict=True) if v)
    d.samples = _samples(target, q, d)
    return d


def _samples(target: Target, q: Query, d: Diff) -> list[dict[str, str]]:
    kk = [q.kinds[k] for k in q.key]
    keys = ", ".join(f"e.{k}" for k in q.key)
    out: list[dict[str, str]] = []
    if d.changed:
        cols = ", ".join(f"{q.ne[c]}, {q.val('e', c)}, {q.val('t', c)}" for c in q.cmp)
        rows = target.execute(
            f"SELECT {keys}, {cols} FROM {q.e} e JOIN {q.t} t ON {q.on} WHERE {q.any} "
            f"ORDER BY {q.order('e')} LIMIT {MAX_CHANGED}"
        )
        for r in rows:
            text = _key(kk, r[: len(q.key)])
            for i, c in enumerate(q.cmp):
                flag, e, a = r[len(q.key) + 3 * i : len(q.key) + 3 * i + 3]
                if flag and len(out) < MAX_CHANGED:
                    canon = _int if q.kinds[c] == "decimal" else CANON[q.kinds[c]]  # cents
                    out.append(changed_sample(text, c, q.kinds[c], canon(e), canon(a)))
    for missing, n, (a, b) in ((True, d.missing, (q.e, q.t)), (False, d.extra, (q.t, q.e))):
        if n:
            found = target.execute(
                f"SELECT {keys} FROM {a} e WHERE NOT EXISTS (SELECT 1 FROM {b} t WHERE {q.on}) "
                f"ORDER BY {q.order('e')} LIMIT {MAX_MISSING if missing else MAX_EXTRA}"
            )
            out.extend(row_sample(_key(kk, r), missing) for r in found)
    return out


def _int(v: Any) -> int | None:
    return None if v is None else int(v)


def _key(kinds: list[str], values: tuple[Any, ...]) -> str:
    return key_text(kinds, tuple(CANON[k](v) for k, v in zip(kinds, values, strict=True)))
