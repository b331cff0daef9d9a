"""The one verdict on a migration: a reconciliation's figures against the pack's thresholds.

Every place that says whether a migration passed (the gate criteria `pilot_reconciled` /
`full_reconciled`, the toolkit's `check_thresholds`, the reconciliation documents and the
`migrate reconcile` exit code) calls `verdict` or `stage_verdict` here, fed the thresholds of
the pack's criterion (its `params`). Pure: pydantic and the figures only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field


class Figures(Protocol):
    """What a verdict reads: a `Reconciliation` record or the toolkit's `ReconResult`."""

    object: str
    source_rows: int
    migrated: int
    rejected: int
    duplicates: int
    amount_source_cents: dict[str, int]
    amount_target_cents: dict[str, int]
    missing: int
    extra: int
    changed: int


# The rejection rate a stage allows when the pack's criterion does not say (its default).
DEFAULT_RATE: dict[str, float] = {"pilot": 0.02, "full": 0.01}


class Thresholds(BaseModel):
    """The pack's limits for one stage (the migration criterion's `params`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_rejection_rate: float = Field(ge=0, le=1)
    max_amount_diff_cents: int = Field(default=0, ge=0)
    max_changed_keys: int = Field(default=0, ge=0)

    @classmethod
    def of(cls, params: Mapping[str, Any], stage: str) -> Thresholds:
        """From a criterion's params; the rejection rate defaults to the stage's."""
        return cls.model_validate({"max_rejection_rate": DEFAULT_RATE[stage], **params})


class Verdict(BaseModel):
    """Whether the figures pass, and each reason they do not (empty when they pass)."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    reasons: list[str] = Field(default_factory=list)
    summary: str = ""


def amount_diff_cents(r: Figures) -> int:
    """Sum over currencies of |expected - target| cents."""
    src, tgt = r.amount_source_cents, r.amount_target_cents
    return sum(abs(src.get(c, 0) - tgt.get(c, 0)) for c in set(src) | set(tgt))


def rejection_rate(r: Figures) -> float:
    return r.rejected / r.source_rows if r.source_rows else 0.0


def count_failures(r: Figures) -> list[str]:
    """Leg 1 and the key leg's missing rows: what keeps the figures from balancing."""
    out = []
    if r.source_rows != r.migrated + r.rejected + r.duplicates:
        out.append(
            f"counts do not balance: {r.source_rows} source rows != {r.migrated} migrated "
            f"+ {r.rejected} rejected + {r.duplicates} duplicates"
        )
    if batches := getattr(r, "unbalanced_batches", None):
        out.append(f"counts do not balance in batches {', '.join(map(str, batches))}")
    own = getattr(r, "source_duplicates", None)
    if own is not None and own != r.duplicates:
        out.append(f"the run counted {r.duplicates} duplicates where the source holds {own}")
    if r.missing:
        out.append(f"{r.missing} rows missing from the target")
    return out


def balanced(r: Figures) -> bool:
    """Counts balance, in total and per batch, and the key leg finds no row missing."""
    return not count_failures(r)


def _percent(rate: float, limit: float) -> str:
    """Enough decimals that two different figures never print the same."""
    for places in range(2, 9):
        a, b = f"{rate:.{places}%}", f"{limit:.{places}%}"
        if a != b:
            return f"{a} > {b}"
    return f"{rate!r} > {limit!r}"


def verdict(r: Figures, t: Thresholds) -> Verdict:
    """The one rule: counts balance, rejections, amounts and keys within the pack's limits."""
    out = count_failures(r)
    if (rate := rejection_rate(r)) > t.max_rejection_rate:
        out.append(f"rejection rate {_percent(rate, t.max_rejection_rate)}")
    if (diff := amount_diff_cents(r)) > t.max_amount_diff_cents:
        out.append(f"amounts differ by {diff} cents (at most {t.max_amount_diff_cents})")
    if r.missing + r.extra + r.changed > t.max_changed_keys:
        out.append(
            f"{r.missing} missing, {r.extra} extra, {r.changed} changed keys "
            f"(at most {t.max_changed_keys})"
        )
    return Verdict(ok=not out, reasons=out, summary=f"{r.source_rows} rows reconciled")


def stage_verdict(objects: Iterable[Figures], t: Thresholds, stage: str) -> Verdict:
    """Every object of a stage must pass; none recorded is a failure."""
    items = list(objects)
    if not items:
        return Verdict(ok=False, reasons=[f"no {stage} migration recorded"])
    bad = [f"{o.object}: {'; '.join(v.reasons)}" for o in items if not (v := verdict(o, t)).ok]
    total = sum(o.source_rows for o in items)
    return Verdict(
        ok=not bad, reasons=bad, summary=f"{len(items)} objects, {total} rows reconciled"
    )


class PlannedFigures(BaseModel):
    """A stage's figures entered on a `migration_object` (when no reconciliation is recorded)."""

    object: str
    source_rows: int
    migrated: int
    rejected: int
    duplicates: int = 0
    amount_source_cents: dict[str, int] = Field(default_factory=dict)
    amount_target_cents: dict[str, int] = Field(default_factory=dict)
    missing: int = 0
    extra: int = 0
    changed: int = 0


def planned(o: Any, stage: str) -> PlannedFigures:
    """The figures of one `migration_object` record at the pilot or full stage."""
    pilot = stage == "pilot"
    diff = o.pilot_amount_diff_cents if pilot else o.full_amount_diff_cents
    return PlannedFigures(
        object=o.name,
        source_rows=o.pilot_rows if pilot else o.source_rows,
        migrated=o.pilot_migrated if pilot else o.full_migrated,
        rejected=o.pilot_rejected if pilot else o.full_rejected,
        amount_source_cents={"diff": 0},
        amount_target_cents={"diff": abs(diff)},
        changed=o.changed_keys,
    )


def stage_figures(recons: Iterable[Any], objects: Iterable[Any], stage: str) -> list[Any]:
    """The stage's reconciliations, else the figures entered on the migration objects."""
    found = [r for r in recons if r.stage == stage]
    return found or [planned(o, stage) for o in objects]
