"""The key-by-key leg across databases: both sides streamed into a local scratch SQLite file
and compared there, whatever database the target is. Rows never sit in memory; the dedup of
the expected side keeps its keys (as a full run without a target lookup would)."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from datamigration.recon_sql import compare_tables
from datamigration.targets import SqliteTarget, Target, table_ddl


def _copy(
    rows: Iterator[tuple[Any, ...]], local: SqliteTarget, table: str, columns: list[str]
) -> None:
    while chunk := list(itertools.islice(rows, 20_000)):
        local.insert_rows(table, columns, chunk)


def compare_streams(
    expected: Iterator[tuple[Any, ...]],
    target: Target,
    table: str,
    columns: list[tuple[str, str]],
    key: list[str],
) -> dict[str, Any]:
    """Stream `expected` rows and the target table's rows into a scratch SQLite file and
    compare them there (missing, extra, changed, changed columns, samples)."""
    names = [c for c, _ in columns]
    decimals = {c for c, kind in columns if kind == "decimal"}
    with tempfile.TemporaryDirectory(prefix="implflow-recon-") as tmp:
        local = SqliteTarget(str(Path(tmp) / "compare.db"))
        try:
            for t in ("expected", "actual"):
                local.execute(table_ddl(t, columns, key))
            _copy(expected, local, "expected", names)
            _copy(target.stream(f"SELECT {', '.join(names)} FROM {table}"), local, "actual", names)
            return compare_tables(local, "expected", "actual", key, names, decimals)
        finally:
            local.close()
