"""schemathesis over the JSON API's own OpenAPI schema: whatever it sends, never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from console_kit import bearer
from fastapi import FastAPI
from gate_helpers import SRS_DATA, open_gate
from hypothesis import HealthCheck, given, settings

from implflow.services import actions, records

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402

pytestmark = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


@pytest.fixture
def api_schema(app: FastAPI, team: str) -> Any:
    """The console's schema, on a project at an open SRS gate."""
    actions.run(records.upsert_many, project_key=team, records=SRS_DATA, actor="chen.lead")
    open_gate(team)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_request_makes_the_api_fail(api_schema: Any, token: dict[str, str]) -> None:
    tried, statuses = [], set()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        tried.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            res = case.call_and_validate(headers=token, checks=[not_a_server_error])
            statuses.add(res.status_code)

        fuzz()
    assert "POST /api/v1/projects/{project}/gates/{gate}/sign" in tried
    assert 200 in statuses and 404 in statuses and 422 in statuses, statuses  # real calls


@pytest.fixture
def token() -> dict[str, str]:
    return bearer("li.pm")
