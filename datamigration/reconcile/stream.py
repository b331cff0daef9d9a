"""The key-by-key leg across databases: two key-sorted streams merged in constant memory.

Each side arrives sorted by its business key (the database's `ORDER BY` with a code-point
collation, or `external_sort`), in the canonical form of `recon_diff`. The merge checks the
order as it goes: a side that turns out not to be sorted the way Python compares keys is
sorted by `external_sort` and the comparison starts again, so a collation never corrupts it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from implflow.datamigration.load import Target
from implflow.datamigration.reconcile.diff import (
    MAX_CHANGED,
    MAX_EXTRA,
    MAX_MISSING,
    Diff,
    changed_sample,
    key_text,
    row_sample,
    same,
)
from implflow.datamigration.reconcile.sort import RUN_SIZE, external_sort

Rows = Iterator[tuple[Any, ...]]


class OutOfOrder(Exception):
    """A stream said to be sorted by key is not."""


@dataclass
class Layout:
    """Where the key, the amount and the currency sit in the canonical rows."""

    columns: list[str]
    kinds: list[str]
    key_index: list[int]
    amount: int | None = None
    currency: int | None = None
    # pilot: which target keys outside the expected rows still count (None: all of them)
    keep_extra: Callable[[tuple[Any, ...]], bool] | None = None

    def key(self) -> Callable[[tuple[Any, ...]], Any]:
        return itemgetter(*self.key_index)

    def key_tuple(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(row[i] for i in self.key_index)


class _Merge:
    def __init__(self, layout: Layout) -> None:
        self.lay, self.diff = layout, Diff()
        self.key_kinds = [layout.kinds[i] for i in layout.key_index]
        keys = set(layout.key_index)
        self.compared = [i for i in range(len(layout.columns)) if i not in keys]

    def _add(self, sums: dict[str, int], row: tuple[Any, ...]) -> None:
        ai, ci = self.lay.amount, self.lay.currency
        if ai is not None and ci is not None and row[ai] is not None:
            cur = "NULL" if row[ci] is None else str(row[ci])
            sums[cur] = sums.get(cur, 0) + row[ai]

    def expected_only(self, e: tuple[Any, ...]) -> None:
        d = self.diff
        d.expected_rows += 1
        d.missing += 1
        self._add(d.amount_expected_cents, e)
        if d.missing <= MAX_MISSING:
            d.samples.append(row_sample(self._key(e), True))

    def target_only(self, a: tuple[Any, ...]) -> None:
        d, keep = self.diff, self.lay.keep_extra
        if keep is not None and not keep(self.lay.key_tuple(a)):
            return  # pilot: a target row outside the sample
        d.target_rows += 1
        d.extra += 1
        self._add(d.amount_target_cents, a)
        if d.extra <= MAX_EXTRA:
            d.samples.append(row_sample(self._key(a), False))

    def both(self, e: tuple[Any, ...], a: tuple[Any, ...]) -> None:
        d = self.diff
        d.expected_rows += 1
        d.target_rows += 1
        self._add(d.amount_expected_cents, e)
        self._add(d.amount_target_cents, a)
        if e == a:
            return
        cols, kinds = self.lay.columns, self.lay.kinds
        diff = [i for i in self.compared if not same(kinds[i], e[i], a[i])]
        if not diff:
            return
        d.changed += 1
        for i in diff:
            d.changed_columns[cols[i]] = d.changed_columns.get(cols[i], 0) + 1
            if self._changed_samples() < MAX_CHANGED:
                d.samples.append(changed_sample(self._key(e), cols[i], kinds[i], e[i], a[i]))

    def _changed_samples(self) -> int:
        return sum(1 for s in self.diff.samples if s["column"] != "*")

    def _key(self, row: tuple[Any, ...]) -> str:
        return key_text(self.key_kinds, self.lay.key_tuple(row))


def _checked(
    rows: Rows, key: Callable[[tuple[Any, ...]], Any], side: str
) -> Generator[Any, None, None]:
    """The rows, raising OutOfOrder at the first key smaller than the one before it."""
    last = None
    try:
        for row in rows:
            k = key(row)
            if last is not None and k < last:
                raise OutOfOrder(side)
            last = k
            yield row
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def merge(expected: Rows, actual: Rows, layout: Layout) -> Diff:
    """Compare two key-sorted streams of canonical rows: one pass, constant memory."""
    m, key = _Merge(layout), layout.key()
    ei, ai = _checked(expected, key, "expected"), _checked(actual, key, "actual")
    try:
        e, a = next(ei, None), next(ai, None)
        while e is not None and a is not None:
            ek, ak = key(e), key(a)
            if ek == ak:
                m.both(e, a)
                e, a = next(ei, None), next(ai, None)
            elif ek < ak:
                m.expected_only(e)
                e = next(ei, None)
            else:
                m.target_only(a)
                a = next(ai, None)
        while e is not None:
            m.expected_only(e)
            e = next(ei, None)
        while a is not None:
            m.target_only(a)
            a = next(ai, None)
    finally:  # release cursors now, not when a traceback lets go of them
        ei.close()
        ai.close()
    return _ordered_samples(m.diff)


def _ordered_samples(d: Diff) -> Diff:
    """Changed values first, then missing keys, then extra keys (as the SQL path lists them)."""
    rank = {"row": 1, "no row": 2}
    d.samples.sort(key=lambda s: 0 if s["column"] != "*" else rank[s["expected"]])
    d.amount_expected_cents = dict(sorted(d.amount_expected_cents.items()))
    d.amount_target_cents = dict(sorted(d.amount_target_cents.items()))
    return d


def compare_streams(
    expected: Callable[[], Rows],
    actual: Callable[[], Rows],
    layout: Layout,
    run_size: int = RUN_SIZE,
) -> Diff:
    """Merge the two streams; if a side is not in key order, sort both and merge again."""
    try:
        return merge(expected(), actual(), layout)
    except OutOfOrder:
        pass
    key = layout.key()
    return merge(
        external_sort(expected(), key, run_size), external_sort(actual(), key, run_size), layout
    )


def order_by(dialect: str, key: list[str], kinds: list[str]) -> str:
    """ORDER BY in code-point order for text keys (what Python's comparison of str does)."""
    parts = []
    for col, kind in zip(key, kinds, strict=True):
        if kind == "str" and dialect == "postgresql":
            parts.append(f'{col} COLLATE "C"')
        elif kind == "str" and dialect in ("mysql", "mariadb"):
            parts.append(f"BINARY {col}")
        else:
            parts.append(col)
    return ", ".join(parts)


def table_rows(target: Target, table: str, columns: list[str], order: str) -> Rows:
    """A table's rows in key order, read with a server-side cursor where the driver has one."""
    sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"
    engine = getattr(target, "engine", None)
    if engine is None:  # SQLite cursor / psycopg named cursor: already streamed
        yield from target.stream(sql)
        return
    from sqlalchemy import text

    with engine.connect() as con:
        result = con.execution_options(stream_results=True, yield_per=10_000).execute(text(sql))
        for row in result:
            yield tuple(row)
