"""Fixtures for service tests: a project whose SRS gate is open and ready for sign-off."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from gate_helpers import SRS_DATA, complete_items, open_gate

from implflow.services import actions, records


@pytest.fixture
def ready_srs(make_project: Callable[..., str]) -> str:
    """A project at an open SRS gate with data and checklist complete, no signatures yet."""
    key = make_project()
    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    open_gate(key)
    complete_items(key)
    return key
