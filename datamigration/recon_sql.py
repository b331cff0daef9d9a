"""The key-by-key comparison of two tables in one database, in SQL."""

from __future__ import annotations

from typing import Any

from datamigration.targets import Target


def _ne(dialect: str, a: str, b: str) -> str:
    if dialect == "postgresql":
        return f"({a} IS DISTINCT FROM {b})"
    if dialect in ("mysql", "mariadb"):
        return f"(NOT ({a} <=> {b}))"
    return f"({a} IS NOT {b})"


def _col(alias: str, col: str, decimals: set[str]) -> str:
    ref = f"{alias}.{col}"
    return f"CAST(ROUND({ref} * 100) AS BIGINT)" if col in decimals else ref


def compare_tables(
    target: Target,
    expected: str,
    actual: str,
    key: list[str],
    columns: list[str],
    decimals: set[str],
) -> dict[str, Any]:
    """Missing, extra and changed keys, per-column changed counts and five samples."""
    d = target.dialect
    cmp = [c for c in columns if c not in key]
    on = " AND ".join(f"e.{k} = t.{k}" for k in key)
    diff = {c: _ne(d, _col("e", c, decimals), _col("t", c, decimals)) for c in cmp}
    any_diff = " OR ".join(diff.values()) or "1=0"
    sums = ", ".join(f"SUM(CASE WHEN {x} THEN 1 ELSE 0 END)" for x in diff.values())
    k0 = key[0]
    missing = target.execute(
        f"SELECT COUNT(*) FROM {expected} e LEFT JOIN {actual} t ON {on} WHERE t.{k0} IS NULL"
    )[0][0]
    extra = target.execute(
        f"SELECT COUNT(*) FROM {actual} t LEFT JOIN {expected} e ON {on} WHERE e.{k0} IS NULL"
    )[0][0]
    row = target.execute(
        f"SELECT SUM(CASE WHEN {any_diff} THEN 1 ELSE 0 END)"
        f"{', ' + sums if sums else ''} FROM {expected} e JOIN {actual} t ON {on}"
    )[0]
    changed_cols = {c: int(n or 0) for c, n in zip(cmp, row[1:], strict=True) if n}
    samples = _samples(target, expected, actual, on, key, diff)
    return {
        "missing": int(missing or 0),
        "extra": int(extra or 0),
        "changed": int(row[0] or 0),
        "changed_columns": changed_cols,
        "samples": samples,
    }


def _samples(
    target: Target, expected: str, actual: str, on: str, key: list[str], diff: dict[str, str]
) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for col, cond in diff.items():
        if len(out) >= 5:
            break
        rows = target.execute(
            f"SELECT {', '.join('e.' + k for k in key)}, e.{col}, t.{col} FROM {expected} e "
            f"JOIN {actual} t ON {on} WHERE {cond} LIMIT {5 - len(out)}"
        )
        for r in rows:
            out.append(
                {
                    "key": "|".join(str(v) for v in r[: len(key)]),
                    "column": col,
                    "expected": str(r[-2]),
                    "actual": str(r[-1]),
                }
            )
    return out
