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


def _none_recorded(stage: str) -> str:
    return (
        f"no {stage} reconciliation recorded (run the phase, or "
        f"`implflow migrate reconcile SPEC --mode {stage} --project KEY`)"
    )


def stage_verdict(
    objects: Iterable[Figures], t: Thresholds, stage: str, planned: Iterable[str] = ()
) -> Verdict:
    """Every reconciled object passes and every planned object is reconciled; none is a failure.

    Only produced reconciliations count: figures typed on a `migration_object` never do.
    """
    items = list(objects)
    if not items:
        return Verdict(ok=False, reasons=[_none_recorded(stage)])
    bad = [f"{o.object}: {'; '.join(v.reasons)}" for o in items if not (v := verdict(o, t)).ok]
    done = {o.object for o in items}
    bad += [f"{name}: {_none_recorded(stage)}" for name in sorted(set(planned) - done)]
    total = sum(o.source_rows for o in items)
    return Verdict(
        ok=not bad, reasons=bad, summary=f"{len(items)} objects, {total} rows reconciled"
    )


def stage_figures(recons: Iterable[Any], stage: str) -> list[Any]:
    """The stage's produced reconciliations (the only figures a verdict reads)."""
    return [r for r in recons if r.stage == stage]
