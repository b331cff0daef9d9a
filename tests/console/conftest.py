"""Fixtures for the console: a project with its team as accounts, the app, a client.

- `team`: the standard project `acme-erp`, every member with an account (password PW), a
  global admin `root.admin`; `wang.pmo` holds the PMO flag.
- `trigger`: a trigger that keeps the phases handed to it (the console's edge seam).
- `app` / `client`: the console on that store, and a TestClient for it (no redirects followed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from console_kit import HANDLES, PROJECT, KeptTrigger, TestClient, add_accounts
from fastapi import FastAPI

from implflow.console import create_app
from implflow.console.config import get_console_settings
from implflow.core.settings import get_settings


@pytest.fixture(autouse=True)
def cheap_hashes(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2 at its smallest cost, and a small upload limit: the rules are tested, not speed."""
    monkeypatch.setenv("IMPLFLOW_ARGON2_MEMORY_KIB", "64")
    monkeypatch.setenv("IMPLFLOW_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("IMPLFLOW_EVIDENCE_MAX_BYTES", str(64 * 1024))
    get_settings.cache_clear()
    get_console_settings.cache_clear()
    yield
    get_settings.cache_clear()
    get_console_settings.cache_clear()


@pytest.fixture
def team(store: str, make_project: Callable[..., str]) -> str:
    """The project `acme-erp` whose team members all have accounts (SQLite and PostgreSQL)."""
    key = make_project(PROJECT)
    add_accounts(HANDLES)
    return key


@pytest.fixture
def trigger() -> KeptTrigger:
    return KeptTrigger()


@pytest.fixture
def app(team: str, trigger: KeptTrigger) -> FastAPI:
    return create_app(trigger=trigger)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        yield c
