"""Reading the legacy source as a stream: CSV files or any SQLAlchemy URL (table or query)."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from implflow.core.errors import MigrationError
from implflow.datamigration.spec import MigrationSpec

Row = list[str]


class SourceReader:
    """Opens the source; `header` is known before any row is read."""

    def __init__(self, spec: MigrationSpec) -> None:
        self.spec = spec

    @contextmanager
    def open(self) -> Iterator[tuple[list[str], Iterator[tuple[int, Row]]]]:
        """(header, rows) where each row is (source line or ordinal, values as strings)."""
        if self.spec.source.csv is not None:
            with self._csv() as opened:
                yield opened
        else:
            with self._sql() as opened:
                yield opened

    def header(self) -> list[str]:
        """The source's column names, without reading its rows."""
        if self.spec.source.csv is not None:
            with self._csv() as (header, _):
                return header
        with self._sql(probe=True) as (header, _):
            return header

    @contextmanager
    def _csv(self) -> Iterator[tuple[list[str], Iterator[tuple[int, Row]]]]:
        src = self.spec.source.csv
        assert src is not None
        path = self.spec.path(src.path)
        try:
            fh = open(path, newline="", encoding=src.encoding)  # noqa: SIM115
        except OSError as exc:
            raise MigrationError(f"source {path}: {exc.strerror}") from None
        with fh:
            reader = csv.reader(fh, delimiter=src.delimiter)
            try:
                header = [h.strip() for h in next(reader)]
            except StopIteration:
                raise MigrationError(f"source {path} is empty") from None
            except UnicodeDecodeError as exc:
                raise MigrationError(f"source {path}: not {src.encoding}: {exc.reason}") from None
            yield header, enumerate(reader, start=2)  # (line in the file, values)

    @contextmanager
    def _sql(self, probe: bool = False) -> Iterator[tuple[list[str], Iterator[tuple[int, Row]]]]:
        from sqlalchemy import create_engine, text
        from sqlalchemy.exc import SQLAlchemyError

        src = self.spec.source.sql
        assert src is not None
        query = src.query or f"SELECT * FROM {src.table}"
        if probe:
            query = f"SELECT * FROM ({query}) AS probe WHERE 1 = 0"
        elif src.order_by:
            query += " ORDER BY " + ", ".join(src.order_by)
        engine = create_engine(src.url)
        try:
            with engine.connect() as con:
                result = con.execution_options(stream_results=True, yield_per=5000).execute(
                    text(query)
                )
                yield list(result.keys()), _sql_rows(result)
        except SQLAlchemyError as exc:
            first = str(getattr(exc, "orig", exc)).splitlines()[0]
            raise MigrationError(f"source {src.url.split('@')[-1]}: {first}") from None
        finally:
            engine.dispose()

    def identity(self) -> str:
        """A short fingerprint of the source, so a plain re-run resumes the same run."""
        if self.spec.source.csv is not None:
            path = self.spec.path(self.spec.source.csv.path)
            try:
                st = path.stat()
            except OSError as exc:
                raise MigrationError(f"source {path}: {exc.strerror}") from None
            raw = f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"
        else:
            raw = self.spec.source.model_dump_json()
        return hashlib.sha256(raw.encode()).hexdigest()[:12]


def _sql_rows(result: Any) -> Iterator[tuple[int, Row]]:
    for n, row in enumerate(result, start=1):
        yield n, ["" if v is None else str(v) for v in row]
