"""Shared fixtures: an isolated IMPLFLOW_HOME, and a store on SQLite or on the local PostgreSQL.

- `home`: a fresh IMPLFLOW_HOME with settings reloaded; the store is SQLite under it.
- `store`: parametrised over SQLite and PostgreSQL (a fresh schema per test in db `test`).
- `make_project`: factory that creates a project with the standard team, acting as the PMO
  (a proven principal with the global PMO flag, authorized by the unit of work).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from implflow.core.settings import get_settings

# argon2 at its smallest cost in tests (the rules are tested, not the hash's strength)
os.environ.setdefault("IMPLFLOW_ARGON2_MEMORY_KIB", "64")
os.environ.setdefault("IMPLFLOW_ARGON2_TIME_COST", "1")
PG_BASE = os.environ.get("IMPLFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

TEAM = [
    ("wang.pmo", "Wang Fang", "pmo"),
    ("li.pm", "Li Wei", "project_manager"),
    ("chen.lead", "Chen Jing", "consultant_lead"),
    ("zhao.cons", "Zhao Lei", "consultant"),
    ("sun.cons", "Sun Mei", "consultant"),
    ("zhou.sponsor", "Zhou Min", "client_sponsor"),
    ("wu.data", "Wu Hao", "data_owner"),
    ("zheng.it", "Zheng Qiang", "it_lead"),
    ("feng.trainer", "Feng Yu", "trainer"),
    ("he.key", "He Na", "key_user"),
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh IMPLFLOW_HOME (SQLite store inside) for one test."""
    monkeypatch.setenv("IMPLFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("IMPLFLOW_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


def _pg_schema_url() -> Iterator[str]:
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        from implflow.store.db import engine_for

        engine_for.cache_clear()
        with psycopg.connect(dsn, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store(
    request: pytest.FixtureRequest, home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The store's URL, on SQLite and on PostgreSQL; settings point at it."""
    if request.param == "sqlite":
        yield get_settings().store_url
        return
    gen = _pg_schema_url()
    url = next(gen)
    monkeypatch.setenv("IMPLFLOW_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    next(gen, None)


@pytest.fixture
def make_project(home: Path) -> Callable[..., str]:
    """Factory: create a project with the standard team; returns its key."""
    from gate_helpers import principal

    from implflow.services import actions, projects
    from implflow.store.db import session_scope

    def make(key: str = "acme-erp", locale: str = "en", overlay: Path | None = None) -> str:
        spec = projects.ProjectCreate(
            key=key,
            name="ACME ERP rollout",
            client="ACME Manufacturing",
            locale=locale,
            overlay_path=overlay,
        )
        with session_scope() as s:  # the PMO (global flag) acts, proven, through the rules
            projects.ensure_person(s, handle=TEAM[0][0], name=TEAM[0][1])
        pmo = principal(TEAM[0][0], pmo=True)
        actions.run(projects.create_project, spec=spec, actor=pmo)
        for handle, name, role in TEAM:
            actions.run(
                projects.add_member,
                project_key=key,
                handle=handle,
                role=role,
                name=name,
                actor=pmo,
            )
        return key

    return make
