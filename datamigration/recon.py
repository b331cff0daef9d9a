"""Reconciliation on two legs.

1. Counts and amounts: source rows = migrated + rejected + duplicates (from the ledger, per
   batch and in total); amount totals per currency in integer cents, expected vs target.
2. Key by key: the expected mapped values (the source re-read through the same spec, deduped,
   rejects left out) against the target: missing, extra and changed keys, changed columns.

The expected rows are streamed into a scratch table in the target database and compared by
one SQL query there; `compare_streams` compares two key-sorted streams in constant memory.
"""

from __future__ import annotations

import itertools
from typing import Any

from pydantic import BaseModel

from core.errors import MigrationError
from datamigration.load import Runner, default_run_id, target_table
from datamigration.sources import SourceReader
from datamigration.spec import MigrationSpec
from datamigration.targets import Target, open_target
from datamigration.transform import compile_spec


class ReconResult(BaseModel):
    object: str
    stage: str
    run_id: str
    spec_sha256: str
    rates_sha256: str = ""
    source_rows: int = 0
    migrated: int = 0
    rejected: int = 0
    duplicates: int = 0
    unbalanced_batches: list[int] = []
    amount_source_cents: dict[str, int] = {}
    amount_target_cents: dict[str, int] = {}
    target_rows: int = 0
    missing: int = 0
    extra: int = 0
    changed: int = 0
    changed_columns: dict[str, int] = {}
    samples: list[dict[str, str]] = []
    rejection_reasons: dict[str, int] = {}

    @property
    def balanced(self) -> bool:
        return (
            self.source_rows == self.migrated + self.rejected + self.duplicates
            and not self.unbalanced_batches
        )

    @property
    def amounts_equal(self) -> bool:
        return self.amount_source_cents == self.amount_target_cents

    @property
    def rejection_rate(self) -> float:
        return self.rejected / self.source_rows if self.source_rows else 0.0

    def to_record(self) -> dict[str, Any]:
        """The store record (kind `reconciliation`) the migration gates read."""
        return self.model_dump(exclude={"unbalanced_batches", "target_rows"})


def check_thresholds(
    r: ReconResult, max_rejection_rate: float, max_amount_diff_cents: int, max_changed_keys: int
) -> list[str]:
    """What fails the pack's thresholds (empty when the reconciliation passes)."""
    out = []
    if not r.balanced:
        out.append("counts do not balance")
    if r.rejection_rate > max_rejection_rate:
        out.append(f"rejection rate {r.rejection_rate:.2%} > {max_rejection_rate:.2%}")
    cur = set(r.amount_source_cents) | set(r.amount_target_cents)
    diff = sum(abs(r.amount_source_cents.get(c, 0) - r.amount_target_cents.get(c, 0)) for c in cur)
    if diff > max_amount_diff_cents:
        out.append(f"amounts differ by {diff} cents")
    if r.missing + r.extra + r.changed > max_changed_keys:
        out.append(f"{r.missing} missing, {r.extra} extra, {r.changed} changed keys")
    return out


def _ledger(target: Target, result: ReconResult) -> None:
    try:
        rows = target.execute(
            "SELECT batch_no, rows_in, migrated, quarantined, duplicates "
            "FROM implflow_ledger WHERE run_id = %s ORDER BY batch_no",
            (result.run_id,),
        )
    except Exception:  # noqa: BLE001 - no ledger table: nothing was ever migrated there
        rows = []
    if not rows:
        raise MigrationError(f"no run {result.run_id} in the target's ledger: run it first")
    for bno, rows_in, migrated, quarantined, dups in rows:
        result.source_rows += rows_in
        result.migrated += migrated
        result.rejected += quarantined
        result.duplicates += dups
        if rows_in != migrated + quarantined + dups:
            result.unbalanced_batches.append(bno)
    reasons = target.execute(
        "SELECT reasons FROM implflow_quarantine WHERE run_id = %s AND kind = 'rejected'",
        (result.run_id,),
    )
    counts: dict[str, int] = {}
    for (text,) in reasons:
        for r in text.split("; "):
            counts[r] = counts.get(r, 0) + 1
    result.rejection_reasons = dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _cents(col: str) -> str:
    return f"CAST(ROUND({col} * 100) AS BIGINT)"


def _amounts(target: Target, table: str, amount: str, currency: str) -> dict[str, int]:
    rows = target.execute(
        f"SELECT {currency}, SUM({_cents(amount)}) FROM {table} GROUP BY {currency}"
    )
    return {str(c): int(s) for c, s in sorted(rows, key=lambda r: str(r[0])) if s is not None}


def reconcile_tables(
    url: str,
    expected: str,
    actual: str,
    key: list[str],
    columns: list[str],
    amount: str,
    currency: str,
    decimals: set[str],
) -> dict[str, Any]:
    """Both legs between two tables of one database (what the 1M benchmark measures)."""
    from datamigration.recon_sql import compare_tables

    target = open_target(url)
    try:
        counts = {t: target.execute(f"SELECT COUNT(*) FROM {t}")[0][0] for t in (expected, actual)}
        return {
            "expected_rows": counts[expected],
            "target_rows": counts[actual],
            "amount_expected_cents": _amounts(target, expected, amount, currency),
            "amount_target_cents": _amounts(target, actual, amount, currency),
            **compare_tables(target, expected, actual, key, columns, decimals),
        }
    finally:
        target.close()


def reconcile(
    spec: MigrationSpec, mode: str = "full", run_id: str | None = None, streaming: bool = False
) -> ReconResult:
    """Reconcile a finished run of the spec against its target, on both legs.

    The key-by-key leg runs in SQL inside the target (SQLite, PostgreSQL), or, with
    `streaming` or on other databases, on both sides streamed into a local scratch file.
    """
    reader = SourceReader(spec)
    run_id = run_id or default_run_id(spec, mode, reader)
    target = open_target(spec.target_url)
    try:
        result = ReconResult(
            object=spec.name,
            stage=mode,
            run_id=run_id,
            spec_sha256=spec.sha256,
            rates_sha256=spec.rates_sha256,
        )
        _ledger(target, result)
        if streaming or target.dialect not in ("sqlite", "postgresql"):
            _stream_compare(spec, mode, reader, target, result)
            return result
        scratch = f"implflow_expected_{spec.name.replace('-', '_')}"
        expected_cents = _load_expected(spec, mode, reader, target, scratch, run_id)
        _compare(spec, target, scratch, target_table(spec, mode), result, expected_cents)
        target.execute(f"DROP TABLE IF EXISTS {scratch}")
        return result
    except MigrationError:
        raise
    except Exception as exc:  # noqa: BLE001 - a database error, one line
        raise MigrationError(f"reconcile {spec.name}: {str(exc).splitlines()[0]}") from None
    finally:
        target.close()


def _load_expected(
    spec: MigrationSpec, mode: str, reader: SourceReader, target: Target, scratch: str, run_id: str
) -> dict[str, int]:
    """Stream the expected rows (source through the spec, deduped) into a scratch table."""
    from datamigration.load import _latest_lines

    types = {f.name: f.type for f in spec.fields}
    cents: dict[str, int] = {}
    with reader.open() as (header, rows):
        tf = compile_spec(spec, header)
        runner = Runner(spec, mode, tf, header, run_id)
        if runner.single:  # dedup against the scratch table: flat memory
            runner.known = lambda keys: target.existing_keys(scratch, spec.key[0], keys)
        if spec.dedup.keep == "latest":
            runner.last = _latest_lines(runner, reader)
        target.replace_table(scratch, [(c, types[c]) for c in tf.columns], spec.key)
        sampled = runner.sampled(rows)
        while chunk := list(itertools.islice(sampled, 50_000)):
            batch = runner.process(0, chunk, True)
            target.insert_rows(scratch, tf.columns, batch.rows)
            for cur, c in batch.amounts.items():
                cents[cur] = cents.get(cur, 0) + c
    return dict(sorted(cents.items()))


def _compare(
    spec: MigrationSpec,
    target: Target,
    scratch: str,
    table: str,
    result: ReconResult,
    expected_cents: dict[str, int],
) -> None:
    from datamigration.recon_sql import compare_tables

    result.amount_source_cents = expected_cents
    if spec.amount:
        result.amount_target_cents = _amounts(
            target, table, spec.amount.column, spec.amount.currency_column
        )
    result.target_rows = target.execute(f"SELECT COUNT(*) FROM {table}")[0][0]
    decimals = {f.name for f in spec.fields if f.type == "decimal"}
    cmp = compare_tables(target, scratch, table, spec.key, [f.name for f in spec.fields], decimals)
    for k, v in cmp.items():
        setattr(result, k, v)


def _stream_compare(
    spec: MigrationSpec, mode: str, reader: SourceReader, target: Target, result: ReconResult
) -> None:
    from datamigration.load import _latest_lines
    from datamigration.recon_stream import compare_streams

    types = {f.name: f.type for f in spec.fields}
    cents: dict[str, int] = {}
    with reader.open() as (header, rows):
        tf = compile_spec(spec, header)
        runner = Runner(spec, mode, tf, header, result.run_id)
        if spec.dedup.keep == "latest":
            runner.last = _latest_lines(runner, reader)

        def expected() -> Any:
            sampled = runner.sampled(rows)
            while chunk := list(itertools.islice(sampled, 50_000)):
                batch = runner.process(0, chunk, True)
                for cur, c in batch.amounts.items():
                    cents[cur] = cents.get(cur, 0) + c
                yield from batch.rows

        table = target_table(spec, mode)
        cmp = compare_streams(
            expected(), target, table, [(c, types[c]) for c in tf.columns], spec.key
        )
    result.amount_source_cents = dict(sorted(cents.items()))
    if spec.amount:
        result.amount_target_cents = _amounts(
            target, table, spec.amount.column, spec.amount.currency_column
        )
    result.target_rows = target.execute(f"SELECT COUNT(*) FROM {table}")[0][0]
    for k, v in cmp.items():
        setattr(result, k, v)
