"""Checks made before any row is written: every currency and date in the data has a rate."""

from __future__ import annotations

from typing import Any

from implflow.core.errors import MigrationError
from implflow.datamigration.cleanse import Reject, Transformer
from implflow.datamigration.load.sources import SourceReader
from implflow.datamigration.spec import MigrationSpec


def _convert_fields(spec: MigrationSpec) -> list[tuple[str, str]]:
    pairs = []
    for f in spec.fields:
        for r in f.rules:
            if isinstance(r, dict) and "convert" in r:
                pairs.append((r["convert"]["currency_field"], r["convert"]["date_field"]))
    return sorted(set(pairs))


def check_source(spec: MigrationSpec, reader: SourceReader, tf: Transformer) -> None:
    """Before any row is written: every rate the data needs, and a CSV decodable whole (the
    rate check reads every row already; without it the file is decoded on its own)."""
    if not check_rates(spec, reader, tf):
        reader.check_encoding()


def check_rates(spec: MigrationSpec, reader: SourceReader, tf: Transformer) -> bool:
    """One read of the currency and date columns: the earliest day of each currency must
    have a rate (later days take the latest rate on or before them). True if it read."""
    pairs = _convert_fields(spec)
    if not pairs:
        return False
    rates = tf.rates
    plans = {p.name: p for p in tf.plans}
    earliest: dict[str, Any] = {}
    with reader.open() as (_, rows):
        for n, (_, raw) in enumerate(rows, start=1):
            for cur_f, day_f in pairs:
                cur, day = _value(plans[cur_f], raw, n), _value(plans[day_f], raw, n)
                if (
                    cur is not None
                    and day is not None
                    and (cur not in earliest or day < earliest[cur])
                ):
                    earliest[cur] = day
    for cur, day in sorted(earliest.items()):
        first = rates.earliest(cur)
        if first is None or first > day:
            raise MigrationError(
                f"spec {spec.name}: no {cur} rate on {day} in "
                f"{spec.rates} (data in {cur} from {day})"
            )
    return True


def _value(plan: Any, raw: list[str], n: int) -> Any:
    try:
        return plan.lookup(raw[plan.index], {}, n)
    except (Reject, IndexError):
        return None
