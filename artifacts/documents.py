"""The documents implflow renders, and the context each template is filled from."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from implflow.artifacts.context import DocumentInput
from implflow.core.errors import InvalidInput
from implflow.methodology.schema import Text
from implflow.projectdata.migration import (
    Thresholds,
    Verdict,
    balanced,
    stage_figures,
    stage_verdict,
    verdict,
)
from implflow.projectdata.records import KINDS


@dataclass(frozen=True)
class DocumentSpec:
    key: str
    title: Text


def _t(en: str, zh: str) -> Text:
    return Text.model_validate({"en": en, "zh-CN": zh})


DOCUMENTS: dict[str, DocumentSpec] = {
    d.key: d
    for d in (
        DocumentSpec("srs", _t("Software Requirements Specification", "需求规格说明书")),
        DocumentSpec(
            "solution-design", _t("Solution Design Specification", "系统实施方案设计说明书")
        ),
        DocumentSpec("migration-plan", _t("Data Migration Plan", "数据迁移方案")),
        DocumentSpec(
            "pilot-reconciliation", _t("Pilot Migration Reconciliation Report", "试迁移核对报告")
        ),
        DocumentSpec(
            "full-reconciliation", _t("Full Migration Reconciliation Report", "全量迁移核对报告")
        ),
        DocumentSpec("training-plan", _t("Training Plan", "培训计划")),
        DocumentSpec("training-report", _t("Training Completion Report", "培训完成报告")),
        DocumentSpec("golive-checklist", _t("Go-Live Checklist", "上线检查清单")),
        DocumentSpec("acceptance-report", _t("Acceptance Report", "验收报告")),
        DocumentSpec("signoff-record", _t("Sign-off Record", "签署记录")),
    )
}

LEVEL = {"low": 1, "medium": 2, "high": 3}


def records(data: DocumentInput, kind: str) -> list[Any]:
    """The project's records of a kind, validated; a malformed one fails the render."""
    schema = KINDS[kind]
    try:
        return [schema.model_validate(r) for r in data.records.get(kind, [])]
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InvalidInput(
            f"{kind} record: {'.'.join(map(str, err['loc']))}: {err['msg']}"
        ) from None


def _base(data: DocumentInput) -> dict[str, Any]:
    return {"project": data.project, "gate": data.gate, "version": data.version}


def _srs(data: DocumentInput) -> dict[str, Any]:
    reqs = records(data, "requirement")
    by_dept: dict[str, list[Any]] = defaultdict(list)
    for r in reqs:
        by_dept[r.department].append(r)
    risks = sorted(records(data, "risk"), key=lambda r: -LEVEL[r.likelihood] * LEVEL[r.impact])
    return {
        "departments": records(data, "department"),
        "processes": records(data, "process"),
        "requirements_by_department": dict(sorted(by_dept.items())),
        "priority_counts": Counter(r.priority or "unclassified" for r in reqs),
        "requirement_total": len(reqs),
        "questions": records(data, "open_question"),
        "risks": [(r, LEVEL[r.likelihood] * LEVEL[r.impact]) for r in risks],
    }


def _design(data: DocumentInput) -> dict[str, Any]:
    roles = records(data, "role_permission")
    modules = records(data, "module")
    columns = sorted({m for r in roles for m in r.permissions})
    return {
        "modules_in": [m for m in modules if m.enabled],
        "modules_out": [m for m in modules if not m.enabled],
        "roles": roles,
        "matrix_columns": columns,
        "fields": records(data, "custom_field"),
        "numbering": records(data, "numbering_rule"),
        "integrations": records(data, "integration"),
    }


def _migration_plan(data: DocumentInput) -> dict[str, Any]:
    objects = records(data, "migration_object")
    return {"objects": objects, "total_rows": sum(o.source_rows for o in objects)}


class AmountLine(BaseModel):
    """One currency: the source as read = migrated + rejected + duplicates, and what is left."""

    currency: str
    expected: int  # the valid rows after cleansing, duplicates left out
    target: int  # migrated: what the target holds
    rejected: int = 0
    duplicates: int = 0

    @property
    def read(self) -> int:
        return self.expected + self.rejected + self.duplicates

    @property
    def balance(self) -> int:
        return self.read - self.target - self.rejected - self.duplicates


class ReconLine(BaseModel):
    """One object's figures in a reconciliation report, judged by the one verdict."""

    name: str
    source: int
    migrated: int
    rejected: int
    duplicates: int
    missing: int = 0
    extra: int = 0
    changed: int = 0
    amounts: list[AmountLine] = []
    unreadable: int = 0  # rejected rows whose amount could not be read
    changed_columns: dict[str, int] = {}
    samples: list[dict[str, str]] = []
    reasons: dict[str, int] = {}
    balanced: bool = True
    verdict: Verdict | None = None

    @property
    def balance(self) -> int:
        """Source rows as read less migrated, rejected and duplicates (0 when they balance)."""
        return self.source - self.migrated - self.rejected - self.duplicates

    @property
    def rejection_rate(self) -> float:
        return self.rejected / self.source if self.source else 0.0


def _amounts(r: Any) -> list[AmountLine]:
    rej = getattr(r, "amount_rejected_cents", {})
    dup = getattr(r, "amount_duplicate_cents", {})
    src, tgt = r.amount_source_cents, r.amount_target_cents
    return [
        AmountLine(
            currency=c,
            expected=src.get(c, 0),
            target=tgt.get(c, 0),
            rejected=rej.get(c, 0),
            duplicates=dup.get(c, 0),
        )
        for c in sorted(set(src) | set(tgt) | set(rej) | set(dup))
    ]


def _line(r: Any, limits: Thresholds | None) -> ReconLine:
    return ReconLine(
        name=r.object,
        source=r.source_rows,
        migrated=r.migrated,
        rejected=r.rejected,
        duplicates=r.duplicates,
        missing=r.missing,
        extra=r.extra,
        changed=r.changed,
        amounts=_amounts(r),
        unreadable=getattr(r, "rejected_unreadable_amounts", 0),
        changed_columns=getattr(r, "changed_columns", {}),
        samples=getattr(r, "samples", [])[:5],
        reasons=getattr(r, "rejection_reasons", {}),
        balanced=balanced(r),
        verdict=verdict(r, limits) if limits is not None else None,
    )


def criterion_params(data: DocumentInput, function: str) -> dict[str, Any] | None:
    """The pack's params of the gate's criterion computed by `function` (None: not here)."""
    for c in data.gate.criteria:
        if c.function == function:
            return dict(c.params)
    return None


def _limits(data: DocumentInput, stage: str) -> Thresholds | None:
    params = criterion_params(data, f"{stage}_reconciled")
    if params is None:
        return None
    return Thresholds.of(params, stage)


def _recon(stage: str) -> Callable[[DocumentInput], dict[str, Any]]:
    def build(data: DocumentInput) -> dict[str, Any]:
        figures = stage_figures(records(data, "reconciliation"), stage)
        planned = [o.name for o in records(data, "migration_object")]
        limits = _limits(data, stage)
        lines = [_line(r, limits) for r in figures]
        judged = stage_verdict(figures, limits, stage, planned) if limits is not None else None
        return {
            "stage": stage,
            "lines": lines,
            "judged": judged is not None,
            "all_ok": bool(judged and judged.ok),
            "verdict_reasons": judged.reasons if judged else [],
        }

    return build


def _training_plan(data: DocumentInput) -> dict[str, Any]:
    trainees = records(data, "trainee")
    return {
        "sessions": sorted(records(data, "training_session"), key=lambda s: s.day),
        "tier_counts": Counter(t.tier for t in trainees),
        "hours": sum(s.hours for s in records(data, "training_session")),
    }


def _group_stats(
    trainees: list[Any], key: Callable[[Any], str], pass_score: int | None
) -> list[dict[str, Any]]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for t in trainees:
        groups[key(t)].append(t)
    out = []
    for name, ts in sorted(groups.items()):
        scored = [t.score for t in ts if t.score is not None]
        out.append(
            {
                "name": name,
                "trainees": len(ts),
                "attended": sum(t.attended for t in ts),
                "average": sum(scored) / len(scored) if scored else 0.0,
                "passed": "—" if pass_score is None else sum(s >= pass_score for s in scored),
            }
        )
    return out


def _training_report(data: DocumentInput) -> dict[str, Any]:
    trainees = records(data, "trainee")
    params = criterion_params(data, "training_scores")  # the pack's pass score, if judged here
    score = None if params is None else params.get("pass_score")
    return {
        "by_tier": _group_stats(trainees, lambda t: t.tier, score),
        "by_department": _group_stats(trainees, lambda t: t.department, score),
        "total": _group_stats(trainees, lambda t: "all", score),
        "pass_score": score,
        "below": [
            t
            for t in trainees
            if None not in (score, t.score) and t.score < score  # type: ignore[operator]
        ],
    }


def _golive(data: DocumentInput) -> dict[str, Any]:
    cases = records(data, "uat_case")
    issues = records(data, "hypercare_issue")
    open_ = [i for i in issues if i.closed is None]
    return {
        "checks": records(data, "golive_check"),
        "uat_total": len(cases),
        "uat_passed": sum(c.passed is True for c in cases),
        "uat_failed": [c for c in cases if c.passed is False],
        "open_by_severity": Counter(i.severity for i in open_),
        "go": all(c.ok for c in data.gate.criteria) and bool(data.gate.criteria),
    }


def _acceptance(data: DocumentInput) -> dict[str, Any]:
    survey = records(data, "survey_response")
    issues = records(data, "hypercare_issue")
    return {
        "criteria": records(data, "acceptance_criterion"),
        "issues_total": len(issues),
        "issues_closed": sum(i.closed is not None for i in issues),
        "survey_count": len(survey),
        "survey_average": sum(s.score for s in survey) / len(survey) if survey else 0.0,
        "survey": survey,
        "articles": records(data, "knowledge_article"),
    }


def _signoff(data: DocumentInput) -> dict[str, Any]:
    sigs = data.signatures
    return {
        "approvals": [s for s in sigs if s.decision == "approve" and not s.voided],
        "rejections": [s for s in sigs if s.decision == "reject"],
        "voided": [s for s in sigs if s.decision == "approve" and s.voided],
        "documents": dict(sorted(data.documents.items())),
    }


BUILDERS: dict[str, Callable[[DocumentInput], dict[str, Any]]] = {
    "srs": _srs,
    "solution-design": _design,
    "migration-plan": _migration_plan,
    "pilot-reconciliation": _recon("pilot"),
    "full-reconciliation": _recon("full"),
    "training-plan": _training_plan,
    "training-report": _training_report,
    "golive-checklist": _golive,
    "acceptance-report": _acceptance,
    "signoff-record": _signoff,
}


def build_context(doc_key: str, data: DocumentInput) -> dict[str, Any]:
    """The template context of a document: the common header plus its own sections."""
    return {**_base(data), **BUILDERS[doc_key](data)}
