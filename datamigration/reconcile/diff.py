"""What both key-by-key comparisons (SQL and streaming) produce, and the value forms they share.

Values are compared in a canonical form per column kind (decimals as integer cents, dates as
ISO text, booleans as bool) and shown in samples in one text form, so the SQL path and the
streaming path report the same samples for the same data.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MAX_CHANGED, MAX_MISSING, MAX_EXTRA = 5, 3, 3  # samples of each sort
_ONE = Decimal(1)


@dataclass
class Diff:
    """Both sides compared key by key (counts, amounts per currency in cents, samples)."""

    expected_rows: int = 0
    target_rows: int = 0
    missing: int = 0
    extra: int = 0
    changed: int = 0
    changed_columns: dict[str, int] = field(default_factory=dict)
    amount_expected_cents: dict[str, int] = field(default_factory=dict)
    amount_target_cents: dict[str, int] = field(default_factory=dict)
    samples: list[dict[str, str]] = field(default_factory=list)


def cents(v: Any) -> int | None:
    """A decimal amount as integer cents, rounded half away from zero (as SQL ROUND does)."""
    if v is None:
        return None
    if v.__class__ is float:  # SQLite's REAL: round as SQLite's ROUND(x * 100) does
        c = math.floor(abs(v) * 100 + 0.5)
        return -c if v < 0 else c
    if v.__class__ is int:
        return v * 100
    d = v if isinstance(v, Decimal) else Decimal(str(v))
    return int(d.scaleb(2).quantize(_ONE, ROUND_HALF_UP))


def _date(v: Any) -> Any:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    return v.isoformat() if isinstance(v, dt.date) else str(v)


def _bool(v: Any) -> bool | None:
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str):
        return v.strip().lower() in ("1", "t", "true", "y", "yes")
    return bool(v)


def _int(v: Any) -> int | None:
    return v if v is None or v.__class__ is int else int(v)


def _str(v: Any) -> str | None:
    return v if v is None or v.__class__ is str else str(v)


CANON: dict[str, Callable[[Any], Any]] = {
    "decimal": cents,
    "date": _date,
    "bool": _bool,
    "int": _int,
    "str": _str,
}


def canonical_row(
    kinds: list[str], always: set[int] | frozenset[int] = frozenset()
) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """A function turning a row of driver values into its canonical form.

    Text columns pass as they come (drivers give str; `same()` compares the odd non-str
    value as text) except those in `always` (the key, whose order must be exact).
    """
    steps = [(i, CANON[k]) for i, k in enumerate(kinds) if k != "str" or i in always]

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        out = list(row)
        for i, f in steps:
            out[i] = f(out[i])
        return tuple(out)

    return convert


def same(kind: str, a: Any, b: Any) -> bool:
    """Equal canonical values (text compared as text whatever the driver gave)."""
    return a == b or (kind == "str" and _str(a) == _str(b))


def show(kind: str, canonical: Any) -> str:
    """A canonical value as sample text (cents back as 12.34, NULL for none)."""
    if canonical is None:
        return "NULL"
    if kind == "decimal":
        return f"{Decimal(canonical).scaleb(-2):.2f}"
    if kind == "bool":
        return "true" if canonical else "false"
    return str(canonical)


def key_text(kinds: list[str], key: tuple[Any, ...]) -> str:
    return "|".join(show(k, v) for k, v in zip(kinds, key, strict=True))


def changed_sample(key: str, column: str, kind: str, expected: Any, actual: Any) -> dict[str, str]:
    """One changed value: key, column, expected and actual (canonical values shown)."""
    return {
        "key": key,
        "column": column,
        "expected": show(kind, expected),
        "actual": show(kind, actual),
    }


def row_sample(key: str, missing: bool) -> dict[str, str]:
    """A key missing from the target (`missing`) or a target row nobody expected."""
    return {
        "key": key,
        "column": "*",
        "expected": "row" if missing else "no row",
        "actual": "no row" if missing else "row",
    }
