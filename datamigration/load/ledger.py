"""The run's record in the target: `implflow_runs` (one row per run) and its totals, summed
from `implflow_ledger` (one row per finished batch, written in the batch's transaction)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import TYPE_CHECKING

from implflow.core.errors import MigrationError
from implflow.datamigration.load.targets import Target, dumps
from implflow.datamigration.spec import MigrationSpec

if TYPE_CHECKING:
    from implflow.datamigration.load.runner import RunResult


def check_resumable(target: Target, spec: MigrationSpec, result: RunResult) -> None:
    """An explicit run id must name a run of this object, mode and spec in the target."""
    try:
        found = target.execute(
            "SELECT object, mode, spec_sha256 FROM implflow_runs WHERE run_id = %s",
            (result.run_id,),
        )
    except Exception:  # noqa: BLE001 - no run table yet: no run to resume
        found = []
    if not found:
        raise MigrationError(
            f"--run-id: no run {result.run_id!r} in the target to resume "
            "(leave --run-id out to start a run)"
        )
    obj, mode, sha = found[0]
    if (obj, mode) != (spec.name, result.mode):
        raise MigrationError(f"--run-id: run {result.run_id!r} is a {mode} run of {obj}")
    if sha != spec.sha256:
        raise MigrationError(
            f"--run-id: run {result.run_id!r} was made with another version of the spec"
        )


def totals(target: Target, result: RunResult) -> None:
    """The run's totals, from the ledger (so a resumed run reports the whole run)."""
    rows = target.execute(
        "SELECT rows_in, migrated, quarantined, duplicates, amounts FROM "
        "implflow_ledger WHERE run_id = %s",
        (result.run_id,),
    )
    amounts: Counter[str] = Counter()
    for r in rows:
        result.rows_in += r[0]
        result.migrated += r[1]
        result.quarantined += r[2]
        result.duplicates += r[3]
        amounts.update(json.loads(r[4]))
    result.amount_cents = dict(sorted(amounts.items()))
    reasons = target.execute(
        "SELECT reasons FROM implflow_quarantine WHERE run_id = %s AND kind = 'rejected'",
        (result.run_id,),
    )
    counts: Counter[str] = Counter()
    for (text,) in reasons:
        counts.update(text.split("; "))
    result.reasons = dict(counts.most_common())


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def start(target: Target, spec: MigrationSpec, result: RunResult) -> None:
    found = target.execute("SELECT status FROM implflow_runs WHERE run_id = %s", (result.run_id,))
    if not found:
        target.execute(
            "INSERT INTO implflow_runs VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (
                result.run_id,
                spec.name,
                result.mode,
                result.spec_sha256,
                result.rates_sha256,
                result.table,
                now(),
                None,
                "running",
                dumps({"plugins_sha256": result.plugins_sha256}),
            ),
        )


def finish(target: Target, result: RunResult) -> None:
    totals = result.model_dump(
        include={
            "rows_in",
            "migrated",
            "quarantined",
            "duplicates",
            "amount_cents",
            "plugins_sha256",
        }
    )
    target.execute(
        "UPDATE implflow_runs SET finished_at = %s, status = %s, totals = %s WHERE run_id = %s",
        (now(), "finished", dumps(totals), result.run_id),
    )
