"""Pilot and full runs: stream the source in deterministic batches, one transaction per batch.

A re-run with the same run id skips the batches in the ledger (rebuilding the dedup state
from them without writing), so a run killed at any point and started again ends with exactly
the rows of a clean run.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel

from implflow.core.errors import MigrationError
from implflow.datamigration.cleanse import Rejected, Transformer, compile_spec, plugins_sha256
from implflow.datamigration.load import ledger
from implflow.datamigration.load.keyfilter import KeyFilter
from implflow.datamigration.load.precheck import check_source
from implflow.datamigration.load.sampling import Sampler
from implflow.datamigration.load.sources import Row, SourceReader
from implflow.datamigration.load.targets import Target, dumps, open_target
from implflow.datamigration.spec import MigrationSpec

Progress = Callable[[int, int], None]  # (rows read so far, rows rejected so far)


class RunResult(BaseModel):
    run_id: str
    mode: str
    table: str
    spec_sha256: str
    rates_sha256: str
    plugins_sha256: str = ""
    rows_in: int = 0
    migrated: int = 0
    quarantined: int = 0
    duplicates: int = 0
    batches: int = 0
    batches_skipped: int = 0
    amount_cents: dict[str, int] = {}
    reasons: dict[str, int] = {}

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.migrated + self.quarantined + self.duplicates


def default_run_id(spec: MigrationSpec, mode: str, reader: SourceReader) -> str:
    """Spec, plugin code and source identity: a change to any of them is a new run."""
    code = spec.sha256
    if plugins := plugins_sha256(spec):
        code = hashlib.sha256(f"{spec.sha256}:{plugins}".encode()).hexdigest()
    return f"{spec.name}-{mode}-{code[:10]}-{reader.identity()}"


def target_table(spec: MigrationSpec, mode: str) -> str:
    """Where a mode writes: a pilot into its staging table, so the full run never finds
    pilot rows in the target and takes them for source duplicates."""
    if mode == "pilot":
        return spec.target.staging_table or f"{spec.target.table}_pilot"
    return spec.target.table


def _batches(rows: Iterator[tuple[int, Row]], size: int) -> Iterator[list[tuple[int, Row]]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


class _Batch:
    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self.quarantine: list[tuple[Any, ...]] = []
        self.duplicates = 0
        self.amounts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()


class Runner:
    def __init__(
        self, spec: MigrationSpec, mode: str, tf: Transformer, header: list[str], run_id: str
    ) -> None:
        self.spec, self.mode, self.tf, self.run_id = spec, mode, tf, run_id
        self.seen: set[Any] = set()
        # keys already in the target, asked per batch (single-column keys): flat memory
        self.known: Callable[[list[Any]], set[Any]] | None = None
        self.bloom = KeyFilter()  # what `known` needs asking about
        self.last: dict[Any, int] | None = None  # keep=latest: the line each key keeps
        self.single = len(spec.key) == 1
        self.sampler = Sampler(spec, header) if mode == "pilot" else None
        cols = tf.columns
        self.amount_i = cols.index(spec.amount.column) if spec.amount else None
        self.cur_i = cols.index(spec.amount.currency_column) if spec.amount else None

    def key_of(self, values: tuple[Any, ...]) -> Any:
        return values[self.tf.key_index[0]] if self.single else self.tf.key(values)

    def process(self, batch_no: int, chunk: list[tuple[int, Row]], write: bool) -> _Batch:
        """Transform, dedup and sort one batch into target rows and quarantine rows.

        With `known` (keys already in the target, asked once per batch) memory stays flat
        whatever the row count; without it, the keys seen so far are kept in memory.
        """
        out, apply, last = _Batch(), self.tf.apply, self.last
        ki = self.tf.key_index[0] if self.single else None
        good = []
        for line, raw in chunk:
            try:
                values = apply(raw)
            except (Rejected, IndexError) as exc:
                if write:
                    self._quarantine(out, batch_no, line, raw, "rejected", exc)
                continue
            good.append((line, raw, values, values[ki] if ki is not None else self.tf.key(values)))
        if self.known is not None and last is None:
            check = self.bloom.seen_or_add
            maybe = [g[3] for g in good if check(g[3])]
            seen = self.known(maybe) if maybe else set()
        elif self.known is not None:
            seen = set()
        else:
            seen = self.seen
        rows, amounts, ai, ci = out.rows, out.amounts, self.amount_i, self.cur_i
        for line, raw, values, key in good:
            if key in seen or (last is not None and last.get(key) != line):
                out.duplicates += 1
                if write:
                    out.quarantine.append(
                        (
                            self.run_id,
                            batch_no,
                            line,
                            "duplicate",
                            str(key),
                            "duplicate business key",
                            dumps(raw),
                        )
                    )
                continue
            seen.add(key)
            if write:
                rows.append(values)
                if ai is not None:
                    amounts[values[ci]] += int(values[ai].scaleb(2))
        return out

    def _quarantine(
        self, out: _Batch, batch_no: int, line: int, raw: Row, kind: str, exc: Exception
    ) -> None:
        reasons = exc.reasons if isinstance(exc, Rejected) else ["wrong number of columns"]
        out.reasons.update(r.split(" (")[0] for r in reasons)
        out.quarantine.append(
            (self.run_id, batch_no, line, kind, "", "; ".join(reasons), dumps(raw))
        )

    def sampled(self, rows: Iterator[tuple[int, Row]]) -> Iterator[tuple[int, Row]]:
        return rows if self.sampler is None else self._sample(rows)

    def _sample(self, rows: Iterator[tuple[int, Row]]) -> Iterator[tuple[int, Row]]:
        assert self.sampler is not None
        for line, raw in rows:
            key = None
            if self.sampler.keys:
                try:
                    key = self.tf.key(self.tf.apply(raw))
                except (Rejected, IndexError):
                    key = None
            if self.sampler.wants(raw, key):
                yield line, raw


def latest_lines(runner: Runner, reader: SourceReader) -> dict[Any, int]:
    """keep=latest: a first pass finds the last line of every business key."""
    last: dict[Any, int] = {}
    with reader.open() as (_, rows):
        for line, raw in runner.sampled(rows):
            try:
                last[runner.key_of(runner.tf.apply(raw))] = line
            except (Rejected, IndexError):
                continue
    return last


def run(
    spec: MigrationSpec,
    mode: str = "full",
    run_id: str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Migrate the source (all rows, or the pilot sample) into the target, resumably."""
    if mode not in ("pilot", "full"):
        raise MigrationError(f"mode must be pilot or full, not {mode!r}")
    reader = SourceReader(spec)
    resume = run_id
    run_id = run_id or default_run_id(spec, mode, reader)
    header = reader.header()
    tf = compile_spec(spec, header)  # refuses unknown columns and rules: nothing written
    check_source(spec, reader, tf)  # rates, and a bad byte anywhere: before any row is written
    table = target_table(spec, mode)
    types = {f.name: f.type for f in spec.fields}
    target = open_target(spec.target_url)
    try:
        target.setup(table, [(c, types[c]) for c in tf.columns], spec.key, spec.target.create)
        result = RunResult(
            run_id=run_id,
            mode=mode,
            table=table,
            spec_sha256=spec.sha256,
            rates_sha256=spec.rates_sha256,
            plugins_sha256=plugins_sha256(spec),
        )
        if resume is not None:
            ledger.check_resumable(target, spec, result)
        ledger.start(target, spec, result)
        runner = Runner(spec, mode, tf, header, run_id)
        if runner.single:
            runner.known = lambda keys: target.existing_keys(table, spec.key[0], keys)
            for (k,) in target.stream(f"SELECT {spec.key[0]} FROM {table}"):
                runner.bloom.seen_or_add(k)  # a resumed run, or rows already there
        if spec.dedup.keep == "latest":
            runner.last = latest_lines(runner, reader)
        _stream(target, runner, reader, result, progress)
        ledger.finish(target, result)
        return result
    except MigrationError:
        raise
    except Exception as exc:  # noqa: BLE001 - a target that goes away mid-run, one line
        raise MigrationError(
            f"run {run_id} stopped: {str(exc).splitlines()[0]} "
            "(finished batches are kept; run again to resume)"
        ) from None
    finally:
        _close(target)


def _close(target: Target) -> None:
    try:
        target.close()
    except Exception:  # noqa: BLE001, S110 - the connection may already be gone
        pass


def _stream(
    target: Target,
    runner: Runner,
    reader: SourceReader,
    result: RunResult,
    progress: Progress | None,
) -> None:
    done = target.done_batches(result.run_id)
    with reader.open() as (_, rows):
        for batch_no, chunk in enumerate(_batches(runner.sampled(rows), runner.spec.batch_size)):
            write = batch_no not in done
            result.batches += 1
            if not write and runner.known is not None:
                result.batches_skipped += 1  # dedup asks the target: nothing to rebuild
                continue
            b = runner.process(batch_no, chunk, write)
            if not write:
                result.batches_skipped += 1
                continue
            entry = (
                result.run_id,
                batch_no,
                len(chunk),
                len(b.rows),
                len(b.quarantine) - b.duplicates,
                b.duplicates,
                dumps(dict(b.amounts)),
            )
            target.write_batch(result.table, runner.tf.columns, b.rows, b.quarantine, entry)
            if progress:
                progress(len(chunk), len(b.quarantine) - b.duplicates)
    ledger.totals(target, result)
