"""The expected side: the source re-read through the same compiled spec, rejects left out,
deduplicated the same way as the run (keep first or latest by source line).

Two forms: loaded into a scratch table of the target (the SQL path; the load's own `Runner`
dedups against that table, so memory stays flat), or a key-sorted stream of canonical rows
(the streaming path; sorted in bounded memory, then deduped by line).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from implflow.datamigration.cleanse import Rejected, Transformer, compile_spec
from implflow.datamigration.load import Row, Runner, SourceReader, Target
from implflow.datamigration.reconcile.diff import canonical_row, cents
from implflow.datamigration.reconcile.sort import RUN_SIZE, external_sort
from implflow.datamigration.spec import MigrationSpec

CHUNK = 50_000


@dataclass
class Counts:
    """What the re-read found: source rows (the pilot's sample), rejects, duplicates."""

    rows: int = 0
    rejected: int = 0
    duplicates: int = 0
    # pilot: keys of rejected sample rows (a target row under one of them is extra)
    rejected_keys: set[tuple[Any, ...]] = field(default_factory=set)
    # the amounts the source holds beyond the expected rows, per currency, in cents
    rejected_cents: Counter[str] = field(default_factory=Counter)
    duplicate_cents: Counter[str] = field(default_factory=Counter)
    unreadable: int = 0  # rejected rows whose amount or currency cannot be read


def money_of_raw(tf: Transformer, spec: MigrationSpec, raw: Row) -> tuple[str, int] | None:
    """(currency, cents) of a source row read field by field, when both can be read."""
    if spec.amount is None:
        return None
    plans = {p.name: p for p in tf.plans}
    out = []
    for name in (spec.amount.currency_column, spec.amount.column):
        plan = plans[name]
        if plan.index is None:
            return None
        try:
            out.append(plan.value(raw[plan.index], {}, tf.rows))
        except Exception:  # noqa: BLE001 - any rule failing: the amount is unreadable
            return None
    cur, amount = out
    value = cents(amount)
    return (cur, value) if cur is not None and value is not None else None


def _count_money(
    tf: Transformer,
    spec: MigrationSpec,
    chunk: list[tuple[int, Row]],
    quarantine: list[tuple[Any, ...]],
    counts: Counts,
) -> None:
    """Amounts of the rejected and duplicate rows of a chunk, from their raw values."""
    if spec.amount is None or not quarantine:
        return
    kind = {q[2]: q[3] for q in quarantine}
    for line, raw in chunk:
        if (what := kind.get(line)) is None:
            continue
        money = money_of_raw(tf, spec, raw)
        if money is None:
            counts.unreadable += what == "rejected"
            continue
        (counts.rejected_cents if what == "rejected" else counts.duplicate_cents)[money[0]] += (
            money[1]
        )


def kinds(spec: MigrationSpec) -> dict[str, str]:
    return {f.name: f.type for f in spec.fields}


def _key_of_raw(tf: Transformer, raw: Row) -> tuple[Any, ...] | None:
    """The business key of a rejected row, when its key fields alone are valid."""
    out = []
    for i in tf.key_index:
        plan = tf.plans[i]
        if plan.index is None:
            return None
        try:
            out.append(plan.value(raw[plan.index], {}, tf.rows))
        except Exception:  # noqa: BLE001 - any rule failing: the row has no usable key
            return None
    return tuple(out)


def _runner(spec: MigrationSpec, mode: str, run_id: str, reader: SourceReader) -> Runner:
    from implflow.datamigration.load import latest_lines

    header = reader.header()
    runner = Runner(spec, mode, compile_spec(spec, header), header, run_id)
    if spec.dedup.keep == "latest":
        runner.last = latest_lines(runner, reader)
    return runner


def load_expected(
    spec: MigrationSpec, mode: str, run_id: str, target: Target, scratch: str, keys: str
) -> tuple[list[str], Counts]:
    """Stream the expected rows into `scratch` (replaced); pilot: rejected keys into `keys`."""
    reader = SourceReader(spec)
    runner = _runner(spec, mode, run_id, reader)
    tf, types, counts = runner.tf, kinds(spec), Counts()
    if runner.single:  # dedup asks the scratch table, as the run asked the target
        runner.known = lambda ks: target.existing_keys(scratch, spec.key[0], ks)
    target.replace_table(scratch, [(c, types[c]) for c in tf.columns], spec.key)
    if mode == "pilot":
        target.replace_table(keys, [(k, types[k]) for k in spec.key], spec.key)
    with reader.open() as (_, rows):
        sampled = runner.sampled(rows)
        while chunk := list(itertools.islice(sampled, CHUNK)):
            batch = runner.process(0, chunk, True)
            target.insert_rows(scratch, tf.columns, batch.rows)
            counts.rows += len(chunk)
            counts.duplicates += batch.duplicates
            counts.rejected += len(batch.quarantine) - batch.duplicates
            _count_money(tf, spec, chunk, batch.quarantine, counts)
            if mode == "pilot":
                _rejected_keys(target, keys, runner, chunk, batch.quarantine, counts)
    return tf.columns, counts


def _rejected_keys(
    target: Target,
    table: str,
    runner: Runner,
    chunk: list[tuple[int, Row]],
    quarantine: list[tuple[Any, ...]],
    counts: Counts,
) -> None:
    lines = {q[2] for q in quarantine if q[3] == "rejected"}
    found = {_key_of_raw(runner.tf, raw) for line, raw in chunk if line in lines}
    new = [k for k in found if k is not None and k not in counts.rejected_keys]
    counts.rejected_keys.update(new)
    target.insert_rows(table, runner.spec.key, new)


def expected_stream(
    spec: MigrationSpec, mode: str, run_id: str, counts: Counts, run_size: int = RUN_SIZE
) -> Iterator[tuple[Any, ...]]:
    """The expected rows in canonical form, sorted by key, deduped; fills `counts`."""
    reader = SourceReader(spec)
    header = reader.header()
    tf = compile_spec(spec, header)
    runner = Runner(spec, mode, tf, header, run_id)  # for its pilot sampler only
    types = kinds(spec)
    canon = canonical_row([types[c] for c in tf.columns], set(tf.key_index))
    kget = itemgetter(*tf.key_index)
    key_canon = canonical_row([types[c] for c in spec.key], set(range(len(spec.key))))

    def tagged() -> Iterator[tuple[Any, int, tuple[Any, ...]]]:
        with reader.open() as (_, rows):
            for line, raw in runner.sampled(rows):
                counts.rows += 1
                try:
                    values = canon(tf.apply(raw))
                except (Rejected, IndexError):
                    counts.rejected += 1
                    _count_money(tf, spec, [(line, raw)], [(0, 0, line, "rejected")], counts)
                    if mode == "pilot" and (k := _key_of_raw(tf, raw)) is not None:
                        counts.rejected_keys.add(key_canon(k))
                    continue
                yield kget(values), line, values

    ordered = external_sort(tagged(), key=itemgetter(0, 1), run_size=run_size)
    money = None
    if spec.amount is not None:
        money = (
            tf.columns.index(spec.amount.currency_column),
            tf.columns.index(spec.amount.column),
        )
    yield from _dedup(ordered, spec.dedup.keep == "latest", counts, money)


def _dedup(
    ordered: Iterator[tuple[Any, int, tuple[Any, ...]]],
    latest: bool,
    counts: Counts,
    money: tuple[int, int] | None = None,
) -> Iterator[tuple[Any, ...]]:
    """One row per key from (key, line, row) sorted by key and line: the first or the last."""
    prev: tuple[Any, int, tuple[Any, ...]] | None = None
    for item in ordered:
        if prev is not None and item[0] == prev[0]:
            counts.duplicates += 1
            dropped = prev if latest else item
            if money is not None and dropped[2][money[1]] is not None:
                counts.duplicate_cents[dropped[2][money[0]]] += dropped[2][money[1]]
            if latest:
                prev = item
            continue
        if prev is not None:
            yield prev[2]
        prev = item
    if prev is not None:
        yield prev[2]
