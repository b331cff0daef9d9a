"""Fixtures for migration tests: a scratch folder of dirty data, fresh PostgreSQL databases."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    name = f"implflow_mig_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(ADMIN, autocommit=True) as con:
        con.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def dirty(tmp_path: Path) -> Callable[..., tuple[Path, object]]:
    """Factory: write n dirty rows and a spec into tmp_path; returns (spec path, expected)."""
    from implflow.datamigration.sample import write_csv, write_spec

    def make(n: int = 3000, target: str = "sqlite:///target.db", **extra) -> tuple[Path, object]:
        expected = write_csv(tmp_path / "legacy.csv", n)
        return write_spec(tmp_path, target, **extra), expected

    return make
