"""`check_thresholds` (what the migration gates apply) and the `reconciliation` store record."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from implflow.datamigration.reconcile import ReconResult, check_thresholds
from implflow.projectdata.records import Reconciliation


def result(**changes: object) -> ReconResult:
    base: dict[str, object] = {
        "object": "orders",
        "stage": "pilot",
        "run_id": "orders-pilot-1",
        "spec_sha256": "ab" * 32,
        "rates_sha256": "cd" * 32,
        "source_rows": 1000,
        "migrated": 970,
        "rejected": 20,
        "duplicates": 10,
        "amount_source_cents": {"EUR": 100_000, "USD": 5_000},
        "amount_target_cents": {"EUR": 100_000, "USD": 5_000},
        "rejection_reasons": {"order_date: invalid date": 12, "amount: invalid amount": 8},
    }
    return ReconResult.model_validate(base | changes)


def test_a_clean_reconciliation_passes() -> None:
    r = result()
    assert r.balanced and r.amounts_equal and r.rejection_rate == pytest.approx(0.02)
    assert check_thresholds(r, 0.02, 0, 0) == []


@pytest.mark.parametrize(
    ("changes", "limits", "failure"),
    [
        ({"migrated": 969}, (0.05, 0, 0), "counts do not balance: 1000 source rows != 969"),
        ({"unbalanced_batches": [3]}, (0.05, 0, 0), "counts do not balance"),
        ({}, (0.019, 0, 0), "rejection rate 2.00% > 1.90%"),
        (
            {"amount_target_cents": {"EUR": 99_999, "USD": 5_002}},
            (0.05, 2, 0),
            "amounts differ by 3 cents (at most 2)",
        ),
        (
            {"amount_target_cents": {"EUR": 100_000}},
            (0.05, 0, 0),
            "amounts differ by 5000 cents (at most 0)",
        ),
        ({"extra": 1, "changed": 2}, (0.05, 0, 2), "0 missing, 1 extra, 2 changed"),
        ({"missing": 1}, (0.05, 0, 1), "1 rows missing from the target"),
    ],
)
def test_each_threshold_fails_alone(changes: dict, limits: tuple, failure: str) -> None:
    failures = check_thresholds(result(**changes), *limits)
    assert len(failures) == 1 and failures[0].startswith(failure)


def test_limits_are_inclusive() -> None:
    r = result(amount_target_cents={"EUR": 99_999, "USD": 5_000}, changed=2)
    assert check_thresholds(r, 0.02, 1, 2) == []


def test_thresholds_read_the_stored_record_too() -> None:
    record = Reconciliation.model_validate(result(changed=1, unbalanced_batches=[2]).to_record())
    assert record.unbalanced_batches == [2]  # per-batch imbalance reaches the gate's record
    assert check_thresholds(record, 0.05, 0, 0) == [
        "counts do not balance in batches 2",
        "0 missing, 0 extra, 1 changed keys (at most 0)",
    ]


def test_missing_rows_are_never_balanced() -> None:
    r = result(missing=3)
    assert not r.balanced
    assert Reconciliation.model_validate(r.to_record()).missing == 3
    assert "3 rows missing from the target" in check_thresholds(r, 1.0, 10**9, 10**9)


def test_the_rejection_rate_shows_the_precision_that_decides() -> None:
    r = result(source_rows=100_000, migrated=98_987, rejected=1_003, duplicates=10)
    assert check_thresholds(r, 0.01, 0, 0) == ["rejection rate 1.003% > 1.000%"]


def test_duplicates_the_source_does_not_hold_fail_the_verdict() -> None:
    r = result(source_duplicates=2)
    assert check_thresholds(r, 0.05, 0, 0) == [
        "the run counted 10 duplicates where the source holds 2"
    ]


def test_to_record_is_a_valid_reconciliation_without_the_extras() -> None:
    r = result(
        changed=1,
        changed_columns={"amount": 1},
        samples=[{"key": "SO-1", "column": "amount", "expected": "1.00", "actual": "1.01"}],
        expected_rows=970,
        target_rows=970,
    )
    record = r.to_record()
    assert Reconciliation.model_validate(record).model_dump() == record
    assert set(record) == set(Reconciliation.model_fields)
    assert record["changed_columns"] == {"amount": 1} and record["stage"] == "pilot"


def test_a_bad_stage_is_refused() -> None:
    with pytest.raises(ValidationError):
        result(stage="test")
