"""Writing batches into the target database: one transaction per batch holding the target
rows, the quarantined rows and the ledger row. SQLite through its raw driver, PostgreSQL by
COPY, anything else through SQLAlchemy Core."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from implflow.core.errors import MigrationError

sqlite3.register_adapter(Decimal, str)
sqlite3.register_adapter(dt.date, dt.date.isoformat)

SQL_TYPES = {
    "str": "TEXT",
    "int": "BIGINT",
    "decimal": "NUMERIC(18,2)",
    "date": "DATE",
    "bool": "BOOLEAN",
}
LEDGER_DDL = [
    "CREATE TABLE IF NOT EXISTS implflow_runs (run_id VARCHAR(200) PRIMARY KEY, object TEXT, "
    "mode TEXT, spec_sha256 TEXT, rates_sha256 TEXT, target_table TEXT, started_at TEXT, "
    "finished_at TEXT, status TEXT, totals TEXT)",
    "CREATE TABLE IF NOT EXISTS implflow_ledger (run_id VARCHAR(200), batch_no INTEGER, "
    "rows_in INTEGER, migrated INTEGER, quarantined INTEGER, duplicates INTEGER, "
    "amounts TEXT, PRIMARY KEY (run_id, batch_no))",
    "CREATE TABLE IF NOT EXISTS implflow_quarantine (run_id VARCHAR(200), batch_no INTEGER, "
    "source_line BIGINT, kind VARCHAR(16), business_key TEXT, reasons TEXT, raw TEXT)",
]
QUARANTINE_COLS = ["run_id", "batch_no", "source_line", "kind", "business_key", "reasons", "raw"]


def table_ddl(table: str, columns: list[tuple[str, str]], key: list[str]) -> str:
    cols = ", ".join(f"{name} {SQL_TYPES[kind]}" for name, kind in columns)
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols}, PRIMARY KEY ({', '.join(key)}))"


class Target:
    """A connection to the target database with the few statements a run needs."""

    dialect = "generic"

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def write_batch(
        self,
        table: str,
        columns: list[str],
        rows: list[tuple[Any, ...]],
        quarantine: list[tuple[Any, ...]],
        ledger: tuple[Any, ...],
    ) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def setup(
        self, table: str, columns: list[tuple[str, str]], key: list[str], create: bool
    ) -> None:
        for ddl in LEDGER_DDL:
            self.execute(ddl)
        if create:
            self.execute(table_ddl(table, columns, key))

    def replace_table(self, table: str, columns: list[tuple[str, str]], key: list[str]) -> None:
        self.execute(f"DROP TABLE IF EXISTS {table}")
        self.execute(table_ddl(table, columns, key))

    def insert_rows(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def stream(self, sql: str) -> Iterator[tuple[Any, ...]]:
        """Rows of a query, read in chunks (a server-side cursor where the driver has one)."""
        yield from self.execute(sql)

    def existing_keys(self, table: str, key: str, keys: list[Any]) -> set[Any]:
        """Which of `keys` the table already holds (one indexed query per chunk of keys)."""
        found: set[Any] = set()
        for i in range(0, len(keys), 5000):
            part = keys[i : i + 5000]
            marks = ",".join(["%s"] * len(part))
            found.update(
                r[0]
                for r in self.execute(
                    f"SELECT {key} FROM {table} WHERE {key} IN ({marks})", tuple(part)
                )
            )
        return found

    def done_batches(self, run_id: str) -> set[int]:
        rows = self.execute("SELECT batch_no FROM implflow_ledger WHERE run_id = %s", (run_id,))
        return {r[0] for r in rows}


class SqliteTarget(Target):
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.con = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql.replace("%s", "?"), params).fetchall()

    def write_batch(self, table, columns, rows, quarantine, ledger):  # type: ignore[no-untyped-def]
        marks = ",".join("?" * len(columns))
        con = self.con
        con.execute("BEGIN")
        try:
            con.executemany(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", rows)
            con.executemany("INSERT INTO implflow_quarantine VALUES (?,?,?,?,?,?,?)", quarantine)
            con.execute("INSERT INTO implflow_ledger VALUES (?,?,?,?,?,?,?)", ledger)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def stream(self, sql: str) -> Iterator[tuple[Any, ...]]:
        yield from self.con.execute(sql)

    def insert_rows(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        marks = ",".join("?" * len(columns))
        with self.con:
            self.con.execute("BEGIN")
            self.con.executemany(
                f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", rows
            )

    def close(self) -> None:
        self.con.close()


class PostgresTarget(Target):
    dialect = "postgresql"

    def existing_keys(self, table: str, key: str, keys: list[Any]) -> set[Any]:
        if not keys:
            return set()
        rows = self.execute(f"SELECT {key} FROM {table} WHERE {key} = ANY(%s)", (keys,))
        return {r[0] for r in rows}

    def __init__(self, conninfo: str) -> None:
        import psycopg

        self.con = psycopg.connect(conninfo, autocommit=True)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        cur = self.con.execute(sql, params)
        return cur.fetchall() if cur.description else []

    def write_batch(self, table, columns, rows, quarantine, ledger):  # type: ignore[no-untyped-def]
        with self.con.transaction(), self.con.cursor() as cur:
            with cur.copy(f"COPY {table} ({','.join(columns)}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
            if quarantine:
                with cur.copy(
                    f"COPY implflow_quarantine ({','.join(QUARANTINE_COLS)}) FROM STDIN"
                ) as cp:
                    for q in quarantine:
                        cp.write_row(q)
            cur.execute("INSERT INTO implflow_ledger VALUES (%s,%s,%s,%s,%s,%s,%s)", ledger)

    def stream(self, sql: str) -> Iterator[tuple[Any, ...]]:
        with self.con.transaction(), self.con.cursor(name="implflow_stream") as cur:
            cur.itersize = 10_000
            cur.execute(sql)
            yield from cur

    def insert_rows(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        with self.con.transaction(), self.con.cursor() as cur:
            with cur.copy(f"COPY {table} ({','.join(columns)}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)

    def close(self) -> None:
        self.con.close()


class SqlAlchemyTarget(Target):
    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        self.engine = create_engine(url)
        self.dialect = self.engine.dialect.name

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        names = {f"p{i}": v for i, v in enumerate(params)}
        for i in range(len(params)):
            sql = sql.replace("%s", f":p{i}", 1)
        with self.engine.begin() as con:
            res = con.execute(text(sql), names)
            return [tuple(r) for r in res] if res.returns_rows else []

    def write_batch(self, table, columns, rows, quarantine, ledger):  # type: ignore[no-untyped-def]
        from sqlalchemy import text

        ins = text(
            f"INSERT INTO {table} ({','.join(columns)}) VALUES "
            f"({','.join(':' + c for c in columns)})"
        )
        qins = text(
            f"INSERT INTO implflow_quarantine VALUES ({','.join(':' + c for c in QUARANTINE_COLS)})"
        )
        lcols = [
            "run_id",
            "batch_no",
            "rows_in",
            "migrated",
            "quarantined",
            "duplicates",
            "amounts",
        ]
        with self.engine.begin() as con:
            if rows:
                con.execute(ins, [dict(zip(columns, r, strict=True)) for r in rows])
            if quarantine:
                con.execute(qins, [dict(zip(QUARANTINE_COLS, q, strict=True)) for q in quarantine])
            con.execute(
                text(f"INSERT INTO implflow_ledger VALUES ({','.join(':' + c for c in lcols)})"),
                dict(zip(lcols, ledger, strict=True)),
            )

    def insert_rows(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        from sqlalchemy import text

        if not rows:
            return
        ins = text(
            f"INSERT INTO {table} ({','.join(columns)}) VALUES "
            f"({','.join(':' + c for c in columns)})"
        )
        with self.engine.begin() as con:
            con.execute(ins, [dict(zip(columns, r, strict=True)) for r in rows])

    def close(self) -> None:
        self.engine.dispose()


def open_target(url: str) -> Target:
    """The fastest writer for the URL's database."""
    try:
        if url.startswith("sqlite:///"):
            return SqliteTarget(url.removeprefix("sqlite:///"))
        if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            return PostgresTarget(_pg_conninfo(url))
        return SqlAlchemyTarget(url)
    except Exception as exc:  # noqa: BLE001 - every driver's connect error, one line
        raise MigrationError(f"target {url.split('@')[-1]}: {str(exc).splitlines()[0]}") from None


def _pg_conninfo(url: str) -> str:
    """libpq conninfo from a SQLAlchemy-style URL (without importing SQLAlchemy)."""
    from urllib.parse import unquote, urlsplit

    u = urlsplit(url)
    info = (
        f"host={u.hostname or '127.0.0.1'} port={u.port or 5432} "
        f"dbname={u.path.lstrip('/')} user={unquote(u.username or 'postgres')}"
    )
    return info + (f" password={unquote(u.password)}" if u.password else "")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str)
