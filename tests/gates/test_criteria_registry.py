"""The criteria registry: built-in criteria on records, plug-ins, unknown names and params."""

from __future__ import annotations

import pytest

from implflow.core.errors import InvalidInput, NotFound
from implflow.gates.registry import RecordsData, criterion, evaluate_criterion, registered
from implflow.gates.rules import CriterionResult


def test_departments_interviewed_ratio() -> None:
    data = RecordsData(
        {
            "department": [
                {"name": "Finance", "head": "A", "interviewed": True},
                {"name": "Sales", "head": "B", "interviewed": False},
                {"name": "Legal", "head": "C", "in_scope": False},
            ]
        }
    )
    assert not evaluate_criterion("departments_interviewed", data, {"min_ratio": 1.0}).ok
    assert evaluate_criterion("departments_interviewed", data, {"min_ratio": 0.5}).ok


def test_requirements_classified_names_the_unclassified() -> None:
    data = RecordsData(
        {
            "requirement": [
                {
                    "code": "R-1",
                    "title": "t",
                    "department": "d",
                    "priority": "must",
                    "acceptance": "ok",
                },
                {"code": "R-2", "title": "t", "department": "d", "priority": "custom"},
            ]
        }
    )
    res = evaluate_criterion("requirements_classified", data, {})
    assert not res.ok and "R-2" in res.detail and "R-1" not in res.detail


def test_empty_data_never_passes_a_completeness_criterion() -> None:
    assert not evaluate_criterion("risks_owned", RecordsData({}), {}).ok


def test_pilot_reconciled_prefers_reconciliation_records() -> None:
    recon = {
        "object": "orders",
        "stage": "pilot",
        "run_id": "r",
        "spec_sha256": "s",
        "source_rows": 100,
        "migrated": 98,
        "rejected": 1,
        "duplicates": 1,
        "amount_source_cents": {"EUR": 500},
        "amount_target_cents": {"EUR": 500},
    }
    data = RecordsData({"reconciliation": [recon]})
    assert evaluate_criterion("pilot_reconciled", data, {"max_rejection_rate": 0.02}).ok
    bad = RecordsData({"reconciliation": [{**recon, "amount_target_cents": {"EUR": 499}}]})
    res = evaluate_criterion("pilot_reconciled", bad, {})
    assert not res.ok and "amounts differ by 1 cents" in res.detail
    unbalanced = RecordsData({"reconciliation": [{**recon, "migrated": 97}]})
    assert "do not balance" in evaluate_criterion("pilot_reconciled", unbalanced, {}).detail


def test_plugins_register_without_touching_gate_code() -> None:
    @criterion("always_yes_for_test")
    def yes(data: RecordsData, note: str = "") -> CriterionResult:
        return CriterionResult(True, note)

    assert "always_yes_for_test" in registered()
    assert evaluate_criterion("always_yes_for_test", RecordsData({}), {"note": "hi"}).detail == "hi"


def test_unknown_function_and_bad_params_are_domain_errors() -> None:
    with pytest.raises(NotFound):
        evaluate_criterion("nope", RecordsData({}), {})
    with pytest.raises(InvalidInput, match="bad parameters"):
        evaluate_criterion("risks_owned", RecordsData({}), {"bogus": 1})


def test_parameters_are_declared_by_the_signature_or_a_model() -> None:
    from pydantic import BaseModel, ConfigDict, Field

    from implflow.gates.registry import Ratio, parameter_models

    @criterion("share_for_test")
    def share(data: RecordsData, min_share: Ratio = 0.5) -> CriterionResult:
        return CriterionResult(min_share <= 0.5, f"{min_share}")

    class Limits(BaseModel):
        model_config = ConfigDict(extra="forbid")
        top: int = Field(default=3, ge=1)

    @criterion("limits_for_test", params=Limits)
    def limits(data: RecordsData, top: int) -> CriterionResult:
        return CriterionResult(True, f"top {top}")

    models = parameter_models()
    assert models["share_for_test"].model_validate({"min_share": 1}).min_share == 1.0
    assert set(models["departments_interviewed"].model_fields) == {"min_ratio"}
    assert evaluate_criterion("limits_for_test", RecordsData({}), {}).detail == "top 3"
    with pytest.raises(InvalidInput, match="share_for_test: bad parameters: min_share"):
        evaluate_criterion("share_for_test", RecordsData({}), {"min_share": 2})
    with pytest.raises(InvalidInput, match="limits_for_test: bad parameters: top"):
        evaluate_criterion("limits_for_test", RecordsData({}), {"top": 0})


def test_a_criterion_with_undeclared_parameters_cannot_register() -> None:
    with pytest.raises(TypeError, match="declare params=Model or annotate 'opts'"):

        @criterion("loose_for_test")
        def loose(data: RecordsData, **opts: object) -> CriterionResult:
            return CriterionResult(True, "")
