"""Every document in both locales and formats, filled from realistic data; strictness,
determinism and escaping."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from implflow.artifacts import (
    DOCUMENTS,
    ChecklistLine,
    CriterionLine,
    DocumentInput,
    GateInfo,
    ProjectInfo,
    SignatureLine,
    render,
    sha256_text,
)
from implflow.core.errors import InvalidInput, NotFound

DEMO = Path(__file__).parents[2] / "cli" / "demo_data" / "acme-erp.yaml"
RECON = {
    "object": "Customers",
    "stage": "pilot",
    "run_id": "r1",
    "spec_sha256": "s",
    "source_rows": 480,
    "migrated": 470,
    "rejected": 6,
    "duplicates": 4,
    "amount_source_cents": {"CNY": 1234567, "USD": 500},
    "amount_target_cents": {"CNY": 1234567, "USD": 500},
    "rejection_reasons": {"invalid date": 6},
}


def sample(locale: str = "en", **records_override: list[dict]) -> DocumentInput:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    records: dict[str, list[dict]] = {}
    for block in ("requirements", "design", "migration", "training", "acceptance"):
        for kind, by_key in data[block].items():
            records.setdefault(kind, []).extend(by_key.values())
    records["reconciliation"] = [RECON]
    # the plan names the object reconciled (a planned object with no reconciliation fails)
    records["migration_object"] = [
        {**o, "name": RECON["object"]} for o in records["migration_object"]
    ]
    records.update(records_override)
    return DocumentInput(
        project=ProjectInfo(
            key="hd-erp",
            name="Huadong ERP",
            client="Huadong Precision",
            system="ERP",
            locale=locale,
            pack_name="standard",
            pack_version="1.0.0",
        ),
        gate=GateInfo(
            key="srs-signoff",
            title="SRS sign-off",
            phase_key="requirements",
            phase_title="Requirements",
            status="open",
            checklist=[
                ChecklistLine(
                    key="departments-interviewed",
                    text="All interviewed",
                    required=True,
                    state="done",
                    by="zhao.cons",
                    at="2026-03-07",
                    note="6 of 6",
                    evidence="notes.pdf",
                )
            ],
            criteria=[
                CriterionLine(
                    key="risks-owned", title="Risks owned", ok=True, detail="all 3 risks pass"
                )
            ],
        ),
        records=records,
        signatures=[
            SignatureLine(
                person="chen.lead",
                name="Chen Jing",
                role="consultant_lead",
                decision="approve",
                at="2026-03-10 09:00:00 UTC",
                documents={"srs.md": "a" * 64},
            ),
            SignatureLine(
                person="zhou.sponsor",
                name="Zhou Min",
                role="client_sponsor",
                decision="reject",
                at="2026-03-10 11:00:00 UTC",
                comment="R-008 lacks offline capacity",
            ),
        ],
        documents={"srs.md": "a" * 64},
    )


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
@pytest.mark.parametrize("doc", sorted(DOCUMENTS))
def test_every_document_renders_in_both_formats(doc: str, locale: str) -> None:
    data = sample(locale)
    md = render(doc, data, "md")
    html = render(doc, data, "html")
    assert md.startswith(f"# {DOCUMENTS[doc].title.get(locale)}\n")
    assert "Huadong ERP" in md and "Huadong ERP" in html
    assert html.startswith("<!DOCTYPE html>") and f'<html lang="{locale}">' in html
    assert "<table>" in html


def test_srs_rows_carry_requirement_priority_and_acceptance() -> None:
    md = render("srs", sample(), "md")
    row = next(line for line in md.splitlines() if line.startswith("| R-001 |"))
    assert "| must |" in row and "more than 2%" in row
    assert "9 requirements — 6 must" in md


def test_chinese_documents_have_chinese_headings() -> None:
    md = render("srs", sample("zh-CN"), "md")
    assert "## 四、需求清单" in md and "必须实现" in md


def judged_at_pilot_gate(data: DocumentInput, **params: object) -> DocumentInput:
    """The sample as the pilot gate sees it: its criterion carries the pack's thresholds."""
    line = CriterionLine(
        key="pilot-reconciled",
        title="Pilot reconciled",
        ok=True,
        detail="",
        function="pilot_reconciled",
        params={"max_rejection_rate": 0.02, **params},
    )
    return data.model_copy(update={"gate": data.gate.model_copy(update={"criteria": [line]})})


def test_reconciliation_report_shows_balance_and_amounts() -> None:
    md = render("pilot-reconciliation", judged_at_pilot_gate(sample()), "md")
    assert "| Customers | 480 | 470 | 6 | 4 | 0 | yes | 1.2% |" in md
    assert "| Customers | CNY | 12,345.67 | 12,345.67 | 0.00 | 0.00 | 0.00 |" in md
    assert "All objects pass the pack's thresholds" in md
    unbalanced = judged_at_pilot_gate(sample(reconciliation=[{**RECON, "migrated": 469}]))
    md = render("pilot-reconciliation", unbalanced, "md")
    assert "**Differences found**" in md and "| Customers | 480 | 469 | 6 | 4 | 1 | **NO** |" in md


def test_reconciliation_report_shows_the_source_amount_as_read() -> None:
    read = {**RECON, "amount_rejected_cents": {"CNY": 1000}, "amount_duplicate_cents": {"CNY": 500}}
    md = render("pilot-reconciliation", judged_at_pilot_gate(sample(reconciliation=[read])), "md")
    assert (
        "| Object | Currency | Source (as read) | Migrated | Rejected | Duplicates | Balance |"
        in md
    )
    assert "| Customers | CNY | 12,360.67 | 12,345.67 | 10.00 | 5.00 | 0.00 |" in md
    short = {**read, "amount_target_cents": {"CNY": 1234000, "USD": 500}}
    md = render("pilot-reconciliation", judged_at_pilot_gate(sample(reconciliation=[short])), "md")
    assert "| Customers | CNY | 12,360.67 | 12,340.00 | 10.00 | 5.00 | 5.67 |" in md


def test_reconciliation_report_judges_with_the_packs_thresholds() -> None:
    strict = render(
        "pilot-reconciliation", judged_at_pilot_gate(sample(), max_rejection_rate=0.01), "md"
    )
    assert "**Differences found**" in strict and "rejection rate 1.25% > 1.00%" in strict
    assert "Not judged at this gate" in render("pilot-reconciliation", sample(), "md")


def test_training_report_takes_the_packs_pass_score() -> None:
    line = CriterionLine(
        key="scores",
        title="Scores",
        ok=True,
        detail="",
        function="training_scores",
        params={"pass_score": 95, "min_pass_ratio": 0.9},
    )
    data = sample()
    data = data.model_copy(update={"gate": data.gate.model_copy(update={"criteria": [line]})})
    md = render("training-report", data, "md")
    assert "Pass score: 95 of 100" in md and "Every trainee with a score passed." not in md
    assert "Pass score: not set at this gate" in render("training-report", sample(), "md")


def test_signoff_record_lists_signers_hashes_and_rejections() -> None:
    md = render("signoff-record", sample(), "md")
    assert "| Chen Jing | chen.lead | consultant_lead | 2026-03-10 09:00:00 UTC |" in md
    assert "a" * 64 in md
    assert "Zhou Min (client_sponsor) rejected: R-008 lacks offline capacity" in md


def test_rendering_is_deterministic() -> None:
    assert sha256_text(render("srs", sample(), "html")) == sha256_text(
        render("srs", sample(), "html")
    )


def test_user_data_cannot_inject_html_or_break_tables() -> None:
    evil = {
        "code": "R-X",
        "title": "<script>alert(1)</script>",
        "department": "Sales",
        "priority": "must",
        "acceptance": "a | b\nsecond line",
    }
    data = sample(requirement=[evil])
    html = render("srs", data, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html
    md = render("srs", data, "md")
    row = next(line for line in md.splitlines() if line.startswith("| R-X |"))
    assert row.endswith("| a \\| b / second line |")


def test_malformed_record_fails_loudly_naming_the_field() -> None:
    data = sample(
        risk=[{"title": "No owner field type", "likelihood": "sometimes", "impact": "high"}]
    )
    with pytest.raises(InvalidInput, match="risk record: likelihood"):
        render("srs", data, "md")


def test_missing_template_value_fails_loudly(tmp_path, monkeypatch) -> None:
    import importlib

    render_mod = importlib.import_module("implflow.artifacts.render")

    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "srs.md.j2").write_text("{{ project.nickname }}", encoding="utf-8")
    monkeypatch.setattr(render_mod, "TEMPLATES", tmp_path)
    render_mod.environment.cache_clear()
    try:
        with pytest.raises(InvalidInput, match="document srs: missing value"):
            render("srs", sample(), "md")
    finally:
        render_mod.environment.cache_clear()


def test_unknown_document_and_locale() -> None:
    with pytest.raises(NotFound):
        render("memo", sample(), "md")
    with pytest.raises(NotFound, match="locale"):
        render("srs", sample("fr"), "md")


MIGRATION_PLAN = {
    "name": "orders",
    "source_system": "Legacy MRP",
    "owner": "wu.data",
    "source_rows": 100,
}


def test_the_report_names_a_planned_object_left_unreconciled() -> None:
    plan = [{**MIGRATION_PLAN, "name": RECON["object"]}, MIGRATION_PLAN]
    md = render("pilot-reconciliation", judged_at_pilot_gate(sample(migration_object=plan)), "md")
    assert "**Differences found**" in md and "- orders: no pilot reconciliation recorded" in md
