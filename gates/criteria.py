"""Built-in criteria of the standard pack, computed from the project's records.

Each parameter's annotation is its declaration: a pack's value of the wrong type or out of
range (a negative count, a ratio above 1) is refused when the pack loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from pydantic import Field

from implflow.gates.registry import Count, ProjectData, Ratio, criterion
from implflow.gates.rules import CriterionResult


def _result(failures: list[str], total: int, what: str) -> CriterionResult:
    if total == 0:
        return CriterionResult(False, f"no {what} recorded")
    if failures:
        shown = ", ".join(failures[:5]) + (" …" if len(failures) > 5 else "")
        return CriterionResult(False, f"{len(failures)} of {total} {what} fail: {shown}")
    return CriterionResult(True, f"all {total} {what} pass")


Severity = Literal["critical", "high", "medium", "low"]
Score = Annotated[int, Field(ge=0, le=100)]  # a trainee's test score
SurveyScore = Annotated[float, Field(ge=1, le=5)]  # a survey answer's scale


def _ratio(ok: int, total: int, minimum: float, what: str, noun: str = "") -> CriterionResult:
    if total == 0:
        return CriterionResult(False, f"no {noun or what} recorded")
    ratio = ok / total
    verdict = ratio >= minimum
    return CriterionResult(verdict, f"{ok}/{total} {what} ({ratio:.0%}, minimum {minimum:.0%})")


def _every(items: Iterable[Any], bad: Any, name: Any, what: str) -> CriterionResult:
    items = list(items)
    return _result([name(i) for i in items if bad(i)], len(items), what)


@criterion("departments_interviewed")
def departments_interviewed(data: ProjectData, min_ratio: Ratio = 1.0) -> CriterionResult:
    depts = [d for d in data.records("department") if d.in_scope]
    return _ratio(sum(d.interviewed for d in depts), len(depts), min_ratio, "departments")


@criterion("processes_mapped")
def processes_mapped(data: ProjectData) -> CriterionResult:
    procs = [p for p in data.records("process") if p.in_scope]
    return _every(procs, lambda p: not (p.as_is_map and p.to_be_map), lambda p: p.name, "processes")


@criterion("requirements_classified")
def requirements_classified(data: ProjectData) -> CriterionResult:
    reqs = data.records("requirement")
    return _every(
        reqs, lambda r: r.priority is None or not r.acceptance, lambda r: r.code, "requirements"
    )


@criterion("risks_owned")
def risks_owned(data: ProjectData) -> CriterionResult:
    risks = data.records("risk")
    return _every(risks, lambda r: not (r.owner and r.contingency), lambda r: r.title, "risks")


@criterion("modules_decided")
def modules_decided(data: ProjectData, min_enabled: Count = 1) -> CriterionResult:
    enabled = sum(m.enabled for m in data.records("module"))
    return CriterionResult(enabled >= min_enabled, f"{enabled} modules enabled")


@criterion("role_matrix_reviewed")
def role_matrix_reviewed(data: ProjectData) -> CriterionResult:
    roles = data.records("role_permission")
    return _every(roles, lambda r: not r.reviewed, lambda r: r.role, "roles")


@criterion("integrations_verified")
def integrations_verified(data: ProjectData) -> CriterionResult:
    ints = data.records("integration")
    return _every(ints, lambda i: not i.connectivity_verified, lambda i: i.name, "integrations")


@criterion("training_attendance")
def training_attendance(data: ProjectData, min_ratio: Ratio = 0.95) -> CriterionResult:
    trainees = data.records("trainee")
    attended = sum(t.attended for t in trainees)
    return _ratio(attended, len(trainees), min_ratio, "trainees attended", "trainees")


@criterion("training_scores")
def training_scores(
    data: ProjectData, pass_score: Score = 60, min_pass_ratio: Ratio = 0.9
) -> CriterionResult:
    scored = [t for t in data.records("trainee") if t.score is not None]
    passed = sum(t.score >= pass_score for t in scored)
    return _ratio(
        passed, len(scored), min_pass_ratio, f"trainees scored ≥ {pass_score}", "training scores"
    )


@criterion("uat_pass_rate")
def uat_pass_rate(data: ProjectData, min_ratio: Ratio = 0.95) -> CriterionResult:
    cases = data.records("uat_case")
    passed = sum(c.passed is True for c in cases)
    return _ratio(passed, len(cases), min_ratio, "UAT cases passed", "UAT cases")


@criterion("no_open_issues")
def no_open_issues(
    data: ProjectData,
    severities: Annotated[Sequence[Severity], Field(min_length=1)] = ("critical", "high"),
) -> CriterionResult:
    open_ = [i.title for i in data.records("hypercare_issue") if i.closed is None]
    blocking = [
        i.title
        for i in data.records("hypercare_issue")
        if i.closed is None and i.severity in severities
    ]
    if blocking:
        return CriterionResult(False, f"{len(blocking)} open {'/'.join(severities)}: {blocking[0]}")
    return CriterionResult(True, f"no open {'/'.join(severities)} issues ({len(open_)} open)")


@criterion("golive_checks_done")
def golive_checks_done(data: ProjectData) -> CriterionResult:
    checks = data.records("golive_check")
    return _every(checks, lambda c: not c.done, lambda c: c.item, "go-live checks")


@criterion("acceptance_criteria_met")
def acceptance_criteria_met(data: ProjectData) -> CriterionResult:
    crit = data.records("acceptance_criterion")
    return _every(crit, lambda c: not c.met, lambda c: c.criterion, "acceptance criteria")


@criterion("hypercare_issues_cleared")
def hypercare_issues_cleared(data: ProjectData) -> CriterionResult:
    issues = data.records("hypercare_issue")
    if not issues:
        return CriterionResult(True, "no hypercare issues recorded")
    return _every(issues, lambda i: i.closed is None, lambda i: i.title, "hypercare issues")


@criterion("survey_satisfaction")
def survey_satisfaction(
    data: ProjectData, min_average: SurveyScore = 4.0, min_responses: Count = 5
) -> CriterionResult:
    scores = [s.score for s in data.records("survey_response")]
    if len(scores) < min_responses:
        return CriterionResult(False, f"{len(scores)} responses, {min_responses} needed")
    avg = sum(scores) / len(scores)
    return CriterionResult(avg >= min_average, f"average {avg:.2f} of {len(scores)} responses")


@criterion("knowledge_base_ready")
def knowledge_base_ready(data: ProjectData, min_articles: Count = 5) -> CriterionResult:
    n = len(data.records("knowledge_article"))
    return CriterionResult(n >= min_articles, f"{n} articles, {min_articles} needed")
