"""Engine and sessions for the store: SQLite under IMPLFLOW_HOME by default, any SQLAlchemy URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from implflow.core.settings import get_settings


def make_engine(url: str) -> Engine:
    """An engine whose write transactions serialise: BEGIN IMMEDIATE on SQLite, row locks on PG."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_immediate(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_immediate(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_con: Any, _: Any) -> None:
        dbapi_con.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN
        dbapi_con.execute("PRAGMA journal_mode=WAL")
        dbapi_con.execute("PRAGMA foreign_keys=ON")
        dbapi_con.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    """One engine per URL per process; the schema is brought up to date on first use."""
    from implflow.store.schema import upgrade

    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    upgrade(engine)
    return engine


def get_engine() -> Engine:
    return engine_for(get_settings().store_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
