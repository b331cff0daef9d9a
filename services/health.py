"""Post go-live health checks: operational criteria re-evaluated on a schedule, kept as records."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from implflow.gates.registry import RecordsData, evaluate_criterion
from implflow.services import lookup, records
from implflow.store import audit
from implflow.store.models import utcnow

# The checks a health run makes: criterion function → parameters.
HEALTH_CRITERIA: dict[str, dict[str, Any]] = {
    "no_open_issues": {"severities": ["critical", "high"]},
    "integrations_verified": {},
    "survey_satisfaction": {"min_average": 4.0, "min_responses": 5},
    "knowledge_base_ready": {"min_articles": 5},
}


def run_checks(session: Session, *, project_key: str, actor: str) -> dict[str, Any]:
    """Evaluate the health criteria, store the result as a `health_check` record, audit it."""
    proj = lookup.project(session, project_key, lock=True)
    data = RecordsData(records.by_kind(session, proj))
    results = {
        name: evaluate_criterion(name, data, params) for name, params in HEALTH_CRITERIA.items()
    }
    at = utcnow()
    outcome = {
        "at": at.isoformat(timespec="seconds"),
        "healthy": all(r.ok for r in results.values()),
        "checks": {name: {"ok": r.ok, "detail": r.detail} for name, r in results.items()},
    }
    key = at.strftime("%Y%m%dT%H%M%S")
    records.record_produced(
        session, proj=proj, kind="health_check", key=key, data=outcome, actor=actor
    )
    audit.append(
        session,
        chain=proj.key,
        actor=actor,
        action="health.check",
        target=key,
        detail={"healthy": outcome["healthy"]},
    )
    return outcome
