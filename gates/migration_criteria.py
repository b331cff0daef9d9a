"""Migration criteria: the reconciliation decides "pilot migration passed" / "full verified".

The rule itself is `projectdata.migration.verdict`, fed the criterion's params (the pack's
thresholds); these functions only pick the stage's figures: the produced `reconciliation`
records, never figures typed by hand. Each planned `migration_object` must be reconciled.
"""

from __future__ import annotations

from pydantic import ValidationError

from implflow.core.errors import InvalidInput
from implflow.gates.registry import Count, ProjectData, Ratio, criterion
from implflow.gates.rules import CriterionResult
from implflow.projectdata.migration import DEFAULT_RATE, Thresholds, stage_figures, stage_verdict


def _limits(rate: float, diff: int, changed: int) -> Thresholds:
    try:
        return Thresholds(
            max_rejection_rate=rate, max_amount_diff_cents=diff, max_changed_keys=changed
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InvalidInput(f"migration thresholds: {err['loc'][0]}: {err['msg']}") from None


def _reconciled(data: ProjectData, stage: str, limits: Thresholds) -> CriterionResult:
    figures = stage_figures(data.records("reconciliation"), stage)
    planned = [o.name for o in data.records("migration_object")]
    v = stage_verdict(figures, limits, stage, planned)
    return CriterionResult(v.ok, " | ".join(v.reasons) if not v.ok else v.summary)


@criterion("pilot_reconciled")
def pilot_reconciled(
    data: ProjectData,
    max_rejection_rate: Ratio = DEFAULT_RATE["pilot"],
    max_amount_diff_cents: Count = 0,
    max_changed_keys: Count = 0,
) -> CriterionResult:
    limits = _limits(max_rejection_rate, max_amount_diff_cents, max_changed_keys)
    return _reconciled(data, "pilot", limits)


@criterion("full_reconciled")
def full_reconciled(
    data: ProjectData,
    max_rejection_rate: Ratio = DEFAULT_RATE["full"],
    max_amount_diff_cents: Count = 0,
    max_changed_keys: Count = 0,
) -> CriterionResult:
    limits = _limits(max_rejection_rate, max_amount_diff_cents, max_changed_keys)
    return _reconciled(data, "full", limits)


# What each criterion needs migrated before it is evaluated (the phase-3 hook reads this).
STAGE_OF: dict[str, str] = {"pilot_reconciled": "pilot", "full_reconciled": "full"}
