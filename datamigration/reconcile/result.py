"""The outcome of a reconciliation, and the thresholds the migration gates apply to it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from implflow.datamigration.reconcile.diff import Diff
from implflow.projectdata.migration import Thresholds, balanced, verdict
from implflow.projectdata.records import Reconciliation


class ReconResult(BaseModel):
    """Both legs of one reconciliation; `to_record()` is what the migration gates read."""

    object: str = ""
    stage: Literal["pilot", "full"] = "full"
    run_id: str = ""
    spec_sha256: str = ""
    rates_sha256: str = ""
    plugins_sha256: str = ""
    source_rows: int = 0
    migrated: int = 0
    rejected: int = 0
    duplicates: int = 0
    unbalanced_batches: list[int] = []
    source_rejected: int | None = None  # what the source re-read holds, beside the ledger's
    source_duplicates: int | None = None
    amount_source_cents: dict[str, int] = {}
    amount_target_cents: dict[str, int] = {}
    amount_rejected_cents: dict[str, int] = {}
    amount_duplicate_cents: dict[str, int] = {}
    rejected_unreadable_amounts: int = 0
    expected_rows: int = 0
    target_rows: int = 0
    missing: int = 0
    extra: int = 0
    changed: int = 0
    changed_columns: dict[str, int] = {}
    samples: list[dict[str, str]] = []
    rejection_reasons: dict[str, int] = {}

    @property
    def balanced(self) -> bool:
        """Counts balance in total and in every batch, and no key is missing from the target."""
        return balanced(self)

    @property
    def amounts_equal(self) -> bool:
        return self.amount_source_cents == self.amount_target_cents

    @property
    def rejection_rate(self) -> float:
        return self.rejected / self.source_rows if self.source_rows else 0.0

    def to_record(self) -> dict[str, Any]:
        """The `reconciliation` store record (validated by its schema)."""
        fields = set(Reconciliation.model_fields)
        return Reconciliation.model_validate(self.model_dump(include=fields)).model_dump()

    def take(self, diff: Diff) -> None:
        """Fill leg 2 (and the amounts of leg 1) from a key-by-key comparison."""
        self.amount_source_cents = diff.amount_expected_cents
        self.amount_target_cents = diff.amount_target_cents
        for name in ("expected_rows", "target_rows", "missing", "extra", "changed"):
            setattr(self, name, getattr(diff, name))
        self.changed_columns, self.samples = diff.changed_columns, diff.samples


def check_thresholds(
    result: Any, max_rejection_rate: float, max_amount_diff_cents: int, max_changed_keys: int
) -> list[str]:
    """What fails the thresholds (empty when it passes): the one verdict's reasons; takes a
    ReconResult or a `reconciliation` record."""
    limits = Thresholds(
        max_rejection_rate=max_rejection_rate,
        max_amount_diff_cents=max_amount_diff_cents,
        max_changed_keys=max_changed_keys,
    )
    return verdict(result, limits).reasons
