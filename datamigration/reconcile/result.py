"""The outcome of a reconciliation, and the thresholds the migration gates apply to it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from implflow.datamigration.recon_diff import Diff


class ReconResult(BaseModel):
    """Both legs of one reconciliation; `to_record()` is what the migration gates read."""

    object: str = ""
    stage: Literal["pilot", "full"] = "full"
    run_id: str = ""
    spec_sha256: str = ""
    rates_sha256: str = ""
    source_rows: int = 0
    migrated: int = 0
    rejected: int = 0
    duplicates: int = 0
    unbalanced_batches: list[int] = []
    amount_source_cents: dict[str, int] = {}
    amount_target_cents: dict[str, int] = {}
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
        """Source rows = migrated + rejected + duplicates, in total and in every batch."""
        total = self.migrated + self.rejected + self.duplicates
        return self.source_rows == total and not self.unbalanced_batches

    @property
    def amounts_equal(self) -> bool:
        return self.amount_source_cents == self.amount_target_cents

    @property
    def rejection_rate(self) -> float:
        return self.rejected / self.source_rows if self.source_rows else 0.0

    def to_record(self) -> dict[str, Any]:
        """The `reconciliation` store record (validated by its schema)."""
        from implflow.projectdata.records import Reconciliation

        fields = set(Reconciliation.model_fields)
        return Reconciliation.model_validate(self.model_dump(include=fields)).model_dump()

    def take(self, diff: Diff) -> None:
        """Fill leg 2 (and the amounts of leg 1) from a key-by-key comparison."""
        self.amount_source_cents = diff.amount_expected_cents
        self.amount_target_cents = diff.amount_target_cents
        for name in ("expected_rows", "target_rows", "missing", "extra", "changed"):
            setattr(self, name, getattr(diff, name))
        self.changed_columns, self.samples = diff.changed_columns, diff.samples


def amount_diff_cents(r: Any) -> int:
    """Sum over currencies of |expected - target| cents."""
    src, tgt = r.amount_source_cents, r.amount_target_cents
    return sum(abs(src.get(c, 0) - tgt.get(c, 0)) for c in set(src) | set(tgt))


def check_thresholds(
    result: Any, max_rejection_rate: float, max_amount_diff_cents: int, max_changed_keys: int
) -> list[str]:
    """What fails the pack's thresholds (empty when it passes); takes a ReconResult or a
    `reconciliation` record."""
    out = []
    r = result
    total = r.migrated + r.rejected + r.duplicates
    if r.source_rows != total or getattr(r, "unbalanced_batches", None):
        out.append(
            f"counts do not balance: {r.source_rows} source rows != {r.migrated} migrated "
            f"+ {r.rejected} rejected + {r.duplicates} duplicates"
        )
    rate = r.rejected / r.source_rows if r.source_rows else 0.0
    if rate > max_rejection_rate:
        out.append(f"rejection rate {rate:.2%} > {max_rejection_rate:.2%}")
    if (diff := amount_diff_cents(r)) > max_amount_diff_cents:
        out.append(f"amounts differ by {diff} cents (at most {max_amount_diff_cents})")
    if r.missing + r.extra + r.changed > max_changed_keys:
        out.append(
            f"{r.missing} missing, {r.extra} extra, {r.changed} changed keys "
            f"(at most {max_changed_keys})"
        )
    return out
