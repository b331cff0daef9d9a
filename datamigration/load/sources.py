"""Reading the legacy source as a stream: CSV files or any SQLAlchemy URL (table or query)."""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from implflow.core.errors import MigrationError
from implflow.datamigration.spec import MigrationSpec

Row = list[str]
CHUNK = 1 << 20


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
            yield header, _decoded(enumerate(reader, start=2), path, src.encoding)

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

    def check_encoding(self) -> None:
        """Refuse a CSV source with a byte its encoding cannot decode, naming the line: checked
        whole before a run writes anything (a run that stopped midway could not be resumed
        by running again)."""
        src = self.spec.source.csv
        if src is not None:
            check_encoding(self.spec.path(src.path), src.encoding)

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


def check_encoding(path: Path, encoding: str) -> None:
    """Decode the whole file in chunks; the first bad byte is a MigrationError with its line."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines, offset = 1, 0
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    at = max(exc.start, 0)
                    line = lines + chunk.count(b"\n", 0, at)
                    raise _bad_encoding(path, encoding, line, offset + at, exc.reason) from None
                lines += chunk.count(b"\n")
                offset += len(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise _bad_encoding(path, encoding, lines, offset, exc.reason) from None
    except OSError as exc:
        raise MigrationError(f"source {path}: {exc.strerror}") from None


def _bad_encoding(path: Path, encoding: str, line: int, byte: int, reason: str) -> MigrationError:
    return MigrationError(
        f"source {path}: line {line}: not {encoding} ({reason} at byte {byte}); the file is "
        "refused whole, nothing was written: fix the line or set source.csv.encoding"
    )


def _decoded(
    rows: Iterator[tuple[int, Row]], path: Path, encoding: str
) -> Iterator[tuple[int, Row]]:
    """The rows; a decoding error met while reading names the file and line, in one line."""
    try:
        yield from rows
    except UnicodeDecodeError:
        check_encoding(path, encoding)  # finds and names the line
        raise MigrationError(f"source {path}: not {encoding}") from None


def _sql_rows(result: Any) -> Iterator[tuple[int, Row]]:
    for n, row in enumerate(result, start=1):
        yield n, ["" if v is None else str(v) for v in row]
