"""Key by key between two existing tables: in SQL when both are in one database
(`reconcile_tables`, what the 1M benchmark measures), streamed and merged across databases
(`reconcile_streams`). Leg 1's ledger counts do not apply: `expected_rows` and `target_rows`
hold the row counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from implflow.core.errors import MigrationError
from implflow.datamigration.load import Target, open_target
from implflow.datamigration.reconcile.diff import canonical_row
from implflow.datamigration.reconcile.result import ReconResult
from implflow.datamigration.reconcile.sql import compare_tables
from implflow.datamigration.reconcile.stream import (
    Layout,
    Rows,
    compare_streams,
    order_by,
    table_rows,
)


def _kind_of(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, Decimal | float):
        return "decimal"
    return "date" if isinstance(v, dt.date) else "str"


def _kinds(target: Target, table: str, columns: list[str], decimals: set[str]) -> dict[str, str]:
    """Column kinds from the Python types of one row; named decimals are decimals."""
    rows = target.execute(f"SELECT {', '.join(columns)} FROM {table} LIMIT 1")
    row = rows[0] if rows else (None,) * len(columns)
    return {
        c: "decimal" if c in decimals else _kind_of(v) for c, v in zip(columns, row, strict=True)
    }


def reconcile_tables(
    url: str,
    expected_table: str,
    target_table: str,
    key: list[str],
    columns: list[str],
    amount_col: str | None = None,
    currency_col: str | None = None,
    *,
    decimals: set[str] | frozenset[str] = frozenset(),
    kinds: dict[str, str] | None = None,
) -> ReconResult:
    """Leg 2 (and the amounts) in SQL between two tables of one database."""
    target = open_target(url)
    try:
        dec = set(decimals) | ({amount_col} if amount_col else set())
        kinds = kinds or _kinds(target, expected_table, columns, dec)
        money = (amount_col, currency_col) if amount_col and currency_col else None
        diff = compare_tables(target, expected_table, target_table, key, columns, kinds, money)
    except MigrationError:
        raise
    except Exception as exc:  # noqa: BLE001 - a database error, one line
        raise MigrationError(f"reconcile {target_table}: {str(exc).splitlines()[0]}") from None
    finally:
        target.close()
    result = ReconResult()
    result.take(diff)
    return result


def reconcile_streams(
    expected: tuple[str, str],
    actual: tuple[str, str],
    key: list[str],
    columns: list[str],
    kinds: dict[str, str],
    amount_col: str | None = None,
    currency_col: str | None = None,
) -> ReconResult:
    """Leg 2 between two tables in two databases, (url, table) each: both streamed in key
    order and merged in constant memory."""
    layout = _layout(columns, kinds, key, amount_col, currency_col)
    opened: list[Target] = []
    try:
        for url, _ in (expected, actual):
            opened.append(open_target(url))
        sides = [side(t, s[1], layout) for t, s in zip(opened, (expected, actual), strict=True)]
        diff = compare_streams(sides[0], sides[1], layout)
    except MigrationError:
        raise
    except Exception as exc:  # noqa: BLE001 - a database error, one line
        raise MigrationError(f"reconcile {actual[1]}: {str(exc).splitlines()[0]}") from None
    finally:
        for t in opened:
            t.close()
    result = ReconResult()
    result.take(diff)
    return result


def _layout(
    columns: list[str],
    kinds: dict[str, str],
    key: list[str],
    amount: str | None,
    currency: str | None,
) -> Layout:
    kinds = {c: kinds.get(c, "str") for c in columns} | ({amount: "decimal"} if amount else {})
    return Layout(
        columns=columns,
        kinds=[kinds[c] for c in columns],
        key_index=[columns.index(k) for k in key],
        amount=columns.index(amount) if amount and currency else None,
        currency=columns.index(currency) if amount and currency else None,
    )


def side(target: Target, table: str, layout: Layout) -> Callable[[], Rows]:
    key = [layout.columns[i] for i in layout.key_index]
    order = order_by(target.dialect, key, [layout.kinds[i] for i in layout.key_index])
    canon = canonical_row(layout.kinds, set(layout.key_index))
    return lambda: map(canon, table_rows(target, table, layout.columns, order))
