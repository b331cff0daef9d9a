"""Migration criteria: the reconciliation decides "pilot migration passed" / "full verified"."""

from __future__ import annotations

from typing import Any

from implflow.gates.registry import ProjectData, criterion
from implflow.gates.rules import CriterionResult


def _from_objects(data: ProjectData, stage: str) -> list[dict[str, Any]]:
    """Figures entered by hand (migration_object) when no reconciliation run is recorded."""
    rows = []
    for o in data.records("migration_object"):
        src = o.pilot_rows if stage == "pilot" else o.source_rows
        migrated = o.pilot_migrated if stage == "pilot" else o.full_migrated
        rejected = o.pilot_rejected if stage == "pilot" else o.full_rejected
        diff = o.pilot_amount_diff_cents if stage == "pilot" else o.full_amount_diff_cents
        rows.append(
            {
                "name": o.name,
                "source": src,
                "migrated": migrated,
                "rejected": rejected,
                "duplicates": 0,
                "diff": abs(diff),
                "changed": o.changed_keys,
                "missing": 0,
                "extra": 0,
            }
        )
    return rows


def _from_recons(data: ProjectData, stage: str) -> list[dict[str, Any]]:
    rows = []
    for r in data.records("reconciliation"):
        if r.stage != stage:
            continue
        currencies = set(r.amount_source_cents) | set(r.amount_target_cents)
        diff = sum(
            abs(r.amount_source_cents.get(c, 0) - r.amount_target_cents.get(c, 0))
            for c in currencies
        )
        rows.append(
            {
                "name": r.object,
                "source": r.source_rows,
                "migrated": r.migrated,
                "rejected": r.rejected,
                "duplicates": r.duplicates,
                "diff": diff,
                "changed": r.changed,
                "missing": r.missing,
                "extra": r.extra,
            }
        )
    return rows


def _failures(o: dict[str, Any], max_rate: float, max_diff: int, max_changed: int) -> list[str]:
    out = []
    if o["source"] != o["migrated"] + o["rejected"] + o["duplicates"]:
        out.append("counts do not balance")
    if o["source"] and o["rejected"] / o["source"] > max_rate:
        out.append(f"rejection rate {o['rejected'] / o['source']:.2%} > {max_rate:.2%}")
    if o["diff"] > max_diff:
        out.append(f"amount difference {o['diff']} cents")
    if o["changed"] + o["missing"] + o["extra"] > max_changed:
        out.append(f"{o['changed']} changed, {o['missing']} missing, {o['extra']} extra keys")
    return out


def _reconciled(data: ProjectData, stage: str, **limits: Any) -> CriterionResult:
    objects = _from_recons(data, stage) or _from_objects(data, stage)
    if not objects:
        return CriterionResult(False, f"no {stage} migration recorded")
    bad = [f"{o['name']}: {'; '.join(f)}" for o in objects if (f := _failures(o, **limits))]
    if bad:
        return CriterionResult(False, " | ".join(bad))
    total = sum(o["source"] for o in objects)
    return CriterionResult(True, f"{len(objects)} objects, {total} rows reconciled")


@criterion("pilot_reconciled")
def pilot_reconciled(
    data: ProjectData,
    max_rejection_rate: float = 0.02,
    max_amount_diff_cents: int = 0,
    max_changed_keys: int = 0,
) -> CriterionResult:
    return _reconciled(
        data,
        "pilot",
        max_rate=max_rejection_rate,
        max_diff=max_amount_diff_cents,
        max_changed=max_changed_keys,
    )


@criterion("full_reconciled")
def full_reconciled(
    data: ProjectData,
    max_rejection_rate: float = 0.01,
    max_amount_diff_cents: int = 0,
    max_changed_keys: int = 0,
) -> CriterionResult:
    return _reconciled(
        data,
        "full",
        max_rate=max_rejection_rate,
        max_diff=max_amount_diff_cents,
        max_changed=max_changed_keys,
    )
