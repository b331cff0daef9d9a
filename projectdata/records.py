"""The project's data that gates check and documents are filled from: one schema per record kind.

Stored as rows of `ProjectRecord(kind, key, data)`; `data` is validated by the schema of its kind.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from implflow.core.errors import InvalidInput, NotFound


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Department(Record):
    name: str
    head: str
    in_scope: bool = True
    interviewed: bool = False
    interview_date: date | None = None
    interviewees: list[str] = Field(default_factory=list)
    pain_points: list[str] = Field(default_factory=list)


class Process(Record):
    name: str
    department: str
    in_scope: bool = True
    as_is: str = ""
    to_be: str = ""
    gap: str = ""
    as_is_map: str | None = None
    to_be_map: str | None = None


class Requirement(Record):
    code: str
    title: str
    department: str
    process: str | None = None
    priority: Literal["must", "optional", "custom"] | None = None
    acceptance: str | None = None
    source: str = ""


class OpenQuestion(Record):
    question: str
    owner: str
    due: date | None = None
    resolved: bool = False


class Risk(Record):
    title: str
    likelihood: Literal["low", "medium", "high"]
    impact: Literal["low", "medium", "high"]
    owner: str | None = None
    contingency: str | None = None
    status: Literal["open", "mitigated", "closed"] = "open"


class Module(Record):
    name: str
    enabled: bool
    scope: str = ""


class RolePermission(Record):
    role: str
    description: str = ""
    permissions: dict[str, Literal["none", "read", "write", "approve", "admin"]]
    reviewed: bool = False


class CustomField(Record):
    entity: str
    name: str
    type: str
    required: bool = False
    purpose: str = ""


class NumberingRule(Record):
    document: str
    pattern: str
    example: str


class Integration(Record):
    name: str
    system: str
    direction: Literal["inbound", "outbound", "bidirectional"]
    protocol: str
    frequency: str = ""
    connectivity_verified: bool = False
    verified_on: date | None = None


# Result figures `migration_object` once took by hand; a gate now reads only a produced
# `reconciliation`. Old stores may still hold them: reads drop them, writes refuse them.
RETIRED_FIGURES: frozenset[str] = frozenset(
    {
        "pilot_migrated",
        "pilot_rejected",
        "pilot_amount_diff_cents",
        "full_migrated",
        "full_rejected",
        "full_amount_diff_cents",
        "changed_keys",
    }
)


class MigrationObject(Record):
    """What is to be migrated (the plan); how it went is the object's `reconciliation`."""

    name: str
    source_system: str
    owner: str
    source_rows: int = Field(ge=0)
    cleansing_rules: list[str] = Field(default_factory=list)
    pilot_rows: int = Field(default=0, ge=0)  # planned size of the pilot sample

    @model_validator(mode="before")
    @classmethod
    def _drop_retired(cls, data: Any) -> Any:
        """A stored row from before the figures were retired still reads (without them)."""
        if isinstance(data, dict) and RETIRED_FIGURES & data.keys():
            return {k: v for k, v in data.items() if k not in RETIRED_FIGURES}
        return data


class TrainingSession(Record):
    title: str
    tier: Literal["admin", "key_user", "end_user"]
    trainer: str
    day: date
    hours: float = Field(gt=0)


class Trainee(Record):
    name: str
    department: str
    tier: Literal["admin", "key_user", "end_user"]
    attended: bool = False
    score: int | None = Field(default=None, ge=0, le=100)


class GoLiveCheck(Record):
    item: str
    owner: str
    done: bool = False


class HypercareIssue(Record):
    title: str
    severity: Literal["critical", "high", "medium", "low"]
    opened: date
    closed: date | None = None
    owner: str = ""


class UatCase(Record):
    process: str
    title: str
    passed: bool | None = None


class AcceptanceCriterion(Record):
    criterion: str
    target: str
    actual: str = ""
    met: bool = False


class SurveyResponse(Record):
    respondent: str
    department: str
    score: int = Field(ge=1, le=5)
    comment: str = ""


class KnowledgeArticle(Record):
    title: str
    category: str
    url: str = ""


KINDS: dict[str, type[Record]] = {
    "department": Department,
    "process": Process,
    "requirement": Requirement,
    "open_question": OpenQuestion,
    "risk": Risk,
    "module": Module,
    "role_permission": RolePermission,
    "custom_field": CustomField,
    "numbering_rule": NumberingRule,
    "integration": Integration,
    "migration_object": MigrationObject,
    "training_session": TrainingSession,
    "trainee": Trainee,
    "golive_check": GoLiveCheck,
    "hypercare_issue": HypercareIssue,
    "uat_case": UatCase,
    "acceptance_criterion": AcceptanceCriterion,
    "survey_response": SurveyResponse,
    "knowledge_article": KnowledgeArticle,
}


class Reconciliation(Record):
    """The outcome of reconciling one migration object at one stage (pilot or full).

    Produced only by the toolkit (see PRODUCED): `run_id` and the hashes name the run it
    judges; `source_*` are what the source itself holds, re-read, beside the run's ledger.
    """

    object: str
    stage: Literal["pilot", "full"]
    run_id: str = Field(min_length=1)
    spec_sha256: str = Field(min_length=1)
    rates_sha256: str = ""
    plugins_sha256: str = ""
    source_rows: int = Field(ge=0)
    migrated: int = Field(ge=0)
    rejected: int = Field(ge=0)
    duplicates: int = Field(default=0, ge=0)
    unbalanced_batches: list[int] = Field(default_factory=list)
    source_rejected: int | None = Field(default=None, ge=0)
    source_duplicates: int | None = Field(default=None, ge=0)
    amount_source_cents: dict[str, int] = Field(default_factory=dict)  # expected: valid, deduped
    amount_target_cents: dict[str, int] = Field(default_factory=dict)
    # what the source holds beyond the expected rows (rows whose amount cannot be read apart)
    amount_rejected_cents: dict[str, int] = Field(default_factory=dict)
    amount_duplicate_cents: dict[str, int] = Field(default_factory=dict)
    rejected_unreadable_amounts: int = Field(default=0, ge=0)
    missing: int = Field(default=0, ge=0)
    extra: int = Field(default=0, ge=0)
    changed: int = Field(default=0, ge=0)
    changed_columns: dict[str, int] = Field(default_factory=dict)
    samples: list[dict[str, str]] = Field(default_factory=list)
    rejection_reasons: dict[str, int] = Field(default_factory=dict)


KINDS["reconciliation"] = Reconciliation


class HealthCheck(Record):
    """One scheduled post go-live health check and its findings."""

    at: str
    healthy: bool
    checks: dict[str, dict[str, bool | str]]


KINDS["health_check"] = HealthCheck


class MigrationSpecRef(Record):
    """A data-migration spec the phase-3 flow runs (pilot before its first gate, full after)."""

    path: str


KINDS["migration_spec"] = MigrationSpecRef

# Kinds that decide a gate: written only by the code that produced them (a migration's
# reconciliation, a health probe), never by hand (`data set` / `data import`).
PRODUCED: frozenset[str] = frozenset({"reconciliation", "health_check"})


def check_kind(kind: str) -> type:
    schema = KINDS.get(kind)
    if schema is None:
        raise NotFound(f"unknown record kind {kind!r} (kinds: {', '.join(sorted(KINDS))})")
    return schema


def validate(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The record as its schema normalises it; one-line InvalidInput naming the field at fault."""
    schema = check_kind(kind)
    typed = sorted(RETIRED_FIGURES & data.keys()) if isinstance(data, dict) else []
    if kind == "migration_object" and typed:
        raise InvalidInput(
            f"migration_object record: {typed[0]}: result figures come only from a migration's "
            "reconciliation (run the phase, or `implflow migrate reconcile SPEC --project KEY`)"
        )
    try:
        return schema.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or kind
        raise InvalidInput(f"{kind} record: {field}: {err['msg']}") from None
