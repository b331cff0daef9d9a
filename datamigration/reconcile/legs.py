"""Reconciliation on two legs.

1. Counts and amounts: source rows (re-read) = migrated + rejected + duplicates, per batch from
   the ledger and in total; amount totals per currency in integer cents, the transformer's
   expected values against the target table.
2. Key by key: the expected mapped values (the source re-read through the same spec, deduped,
   rejects left out) against the target: missing, extra and changed keys, changed values per
   column, samples. A pilot compares only the sampled keys.

Where: in SQL inside the target when it is SQLite or PostgreSQL (the expected rows streamed
into the scratch table `implflow_expected_<object>`, one FULL OUTER JOIN pass: `recon_sql`);
otherwise, or with `streaming`, two key-sorted streams merged in constant memory
(`recon_stream`). `reconcile_tables` / `reconcile_streams` compare two existing tables.
"""

from __future__ import annotations

from collections import Counter

from implflow.core.errors import MigrationError
from implflow.datamigration.load import Target, open_target
from implflow.datamigration.reconcile.diff import Diff
from implflow.datamigration.reconcile.expected import Counts, expected_stream, kinds, load_expected
from implflow.datamigration.reconcile.result import ReconResult
from implflow.datamigration.reconcile.sort import RUN_SIZE
from implflow.datamigration.spec import MigrationSpec

SQL_DIALECTS = ("sqlite", "postgresql")


def reconcile(
    spec: MigrationSpec,
    mode: str = "full",
    run_id: str | None = None,
    streaming: bool = False,
    run_size: int = RUN_SIZE,
) -> ReconResult:
    """Reconcile a finished pilot or full run of the spec against its target, on both legs."""
    from implflow.datamigration.cleanse import plugins_sha256
    from implflow.datamigration.load import SourceReader, default_run_id

    if mode not in ("pilot", "full"):
        raise MigrationError(f"mode must be pilot or full, not {mode!r}")
    run_id = run_id or default_run_id(spec, mode, SourceReader(spec))
    result = ReconResult(
        object=spec.name,
        stage=mode,  # type: ignore[arg-type]  # checked above
        run_id=run_id,
        spec_sha256=spec.sha256,
        rates_sha256=spec.rates_sha256,
        plugins_sha256=plugins_sha256(spec),
    )
    target = open_target(spec.target_url)
    try:
        _ledger(target, result)
        if streaming or target.dialect not in SQL_DIALECTS:
            diff, counts = _streamed(spec, mode, run_id, target, run_size)
        else:
            diff, counts = _in_sql(spec, mode, run_id, target)
    except MigrationError:
        raise
    except Exception as exc:  # noqa: BLE001 - a database or source error, one line
        raise MigrationError(f"reconcile {spec.name}: {str(exc).splitlines()[0]}") from None
    finally:
        target.close()
    result.take(diff)
    result.source_rows = counts.rows  # the source's own figures, re-read
    result.source_rejected, result.source_duplicates = counts.rejected, counts.duplicates
    result.amount_rejected_cents = dict(sorted(counts.rejected_cents.items()))
    result.amount_duplicate_cents = dict(sorted(counts.duplicate_cents.items()))
    result.rejected_unreadable_amounts = counts.unreadable
    return result


def _ledger(target: Target, result: ReconResult) -> None:
    """Leg 1 from the run's ledger: per batch and total counts, rejection reasons."""
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
    for batch_no, rows_in, migrated, quarantined, duplicates in rows:
        result.migrated += migrated
        result.rejected += quarantined
        result.duplicates += duplicates
        if rows_in != migrated + quarantined + duplicates:
            result.unbalanced_batches.append(batch_no)
    reasons = target.execute(
        "SELECT reasons, COUNT(*) FROM implflow_quarantine "
        "WHERE run_id = %s AND kind = 'rejected' GROUP BY reasons",
        (result.run_id,),
    )
    counts: Counter[str] = Counter()
    for text, n in reasons:
        for reason in str(text).split("; "):
            counts[reason.split(" (")[0]] += int(n)
    result.rejection_reasons = dict(counts.most_common())


def _in_sql(spec: MigrationSpec, mode: str, run_id: str, target: Target) -> tuple[Diff, Counts]:
    from implflow.datamigration.load import target_table
    from implflow.datamigration.reconcile.sql import compare_tables

    scratch = f"implflow_expected_{spec.name.replace('-', '_')}"
    keys = f"{scratch}_keys"
    try:
        columns, counts = load_expected(spec, mode, run_id, target, scratch, keys)
        money = (spec.amount.column, spec.amount.currency_column) if spec.amount else None
        diff = compare_tables(
            target,
            scratch,
            target_table(spec, mode),
            spec.key,
            columns,
            kinds(spec),
            money,
            restrict=keys if mode == "pilot" else None,
        )
    finally:
        for table in (scratch, keys):
            target.execute(f"DROP TABLE IF EXISTS {table}")
    return diff, counts


def _streamed(
    spec: MigrationSpec, mode: str, run_id: str, target: Target, run_size: int
) -> tuple[Diff, Counts]:
    from implflow.datamigration.load import target_table
    from implflow.datamigration.reconcile.stream import Layout, compare_streams
    from implflow.datamigration.reconcile.tables import side

    types = kinds(spec)
    columns = [f.name for f in spec.fields]
    counts = Counts()

    def expected():  # type: ignore[no-untyped-def]
        nonlocal counts
        counts = Counts()  # a fresh count when the comparison starts again
        return expected_stream(spec, mode, run_id, counts, run_size)

    layout = Layout(
        columns=columns,
        kinds=[types[c] for c in columns],
        key_index=[columns.index(k) for k in spec.key],
        amount=columns.index(spec.amount.column) if spec.amount else None,
        currency=columns.index(spec.amount.currency_column) if spec.amount else None,
        keep_extra=(lambda k: k in counts.rejected_keys) if mode == "pilot" else None,
    )
    actual = side(target, target_table(spec, mode), layout)
    return compare_streams(expected, actual, layout, run_size), counts
