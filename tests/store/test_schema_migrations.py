"""Alembic migrations build exactly the tables the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import implflow.store.models  # noqa: F401
from implflow.store.db import get_engine
from implflow.store.schema import current_revision, head_revision


def test_migrations_match_models(store: str) -> None:
    engine = get_engine()
    assert current_revision(engine) == head_revision()
    with engine.connect() as con:
        diff = compare_metadata(MigrationContext.configure(con), SQLModel.metadata)
    assert diff == []
