"""The one unit of work: refusals audited after rollback, database failures told apart."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select
from typer.testing import CliRunner

from implflow.cli.main import app
from implflow.core.errors import ConcurrentUpdate, Forbidden, StoreUnavailable, Unauthenticated
from implflow.services import dberrors, lookup, uow
from implflow.store import audit
from implflow.store.db import session_scope
from implflow.store.models import AuditEntry

CLOSED_PG = "postgresql+psycopg://postgres@127.0.0.1:1/implflow"


def _entries(chain: str) -> list[AuditEntry]:
    with session_scope() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.chain == chain)))


def rename_then_refuse(session: Session, *, project_key: str, actor: str, handle: str) -> None:
    """A service that writes, then refuses: the write must not survive."""
    proj = lookup.project(session, project_key, lock=True)
    proj.name = "renamed"
    session.add(proj)
    session.flush()
    raise Forbidden(f"{actor} may not touch {handle}")


def test_any_forbidden_inside_an_action_is_audited_after_rollback(store: str, make_project):
    key = make_project()
    with pytest.raises(Forbidden, match="may not touch"):
        uow.run(rename_then_refuse, project_key=key, actor="zhao.cons", handle="zhou.sponsor")
    with session_scope() as s:
        assert lookup.project(s, key).name != "renamed"
    last = _entries(key)[-1]
    assert (last.actor, last.action, last.target) == (
        "zhao.cons",
        "rename_then_refuse.refused",
        "zhou.sponsor",
    )
    assert last.detail["reason"] == "zhao.cons may not touch zhou.sponsor"


def refuse_unauthenticated(session: Session, *, project_key: str, actor: str) -> None:
    raise Unauthenticated("nobody is logged in")


def test_a_refusal_on_an_unknown_project_goes_to_the_global_chain(home: Path) -> None:
    with pytest.raises(Unauthenticated):
        uow.run(refuse_unauthenticated, project_key="nope", actor="x.y")
    (entry,) = [e for e in _entries(audit.GLOBAL) if e.action.endswith(".refused")]
    assert (entry.actor, entry.action, entry.target) == (
        "x.y",
        "refuse_unauthenticated.refused",
        "nope",
    )


def test_the_actor_is_a_value_that_can_carry_a_principal(home: Path) -> None:
    assert uow.Actor.of("li.pm") == uow.Actor("li.pm")
    assert uow.Actor.of(None).handle == "anonymous"
    paper = uow.Actor("chen.lead", on_behalf_of="zhou.sponsor")
    assert uow.Actor.of(paper) is paper and paper.detail() == {"on_behalf_of": "zhou.sponsor"}


def broken_query(session: Session) -> None:
    session.exec(text("SELECT * FROM no_such_table"))  # type: ignore[call-overload]


def test_an_ordinary_database_error_is_not_called_a_lock(home: Path) -> None:
    """Before: every OperationalError became 'the store refused the write, try again'."""
    with pytest.raises(OperationalError, match="no_such_table"):
        uow.read(broken_query)


def test_a_closed_postgresql_port_is_unavailable_not_locked() -> None:
    engine = create_engine(CLOSED_PG)
    with pytest.raises(OperationalError) as caught:
        engine.connect()
    mapped = dberrors.translate(caught.value)
    assert isinstance(mapped, StoreUnavailable) and "unavailable" in str(mapped)
    assert mapped.http_status == 503 and "\n" not in str(mapped)


def test_a_postgresql_lock_timeout_is_a_concurrent_update(store: str, make_project) -> None:
    if not store.startswith("postgresql"):
        pytest.skip("lock_timeout is PostgreSQL's")
    make_project("lk")
    engine = create_engine(store)
    holder = engine.connect()
    holder.execute(text("SELECT 1 FROM project WHERE key = 'lk' FOR UPDATE"))
    try:
        with engine.connect() as waiter:
            waiter.execute(text("SET lock_timeout = '1ms'"))
            with pytest.raises(OperationalError) as caught:
                waiter.execute(text("SELECT 1 FROM project WHERE key = 'lk' FOR UPDATE"))
    finally:
        holder.rollback()
        holder.close()
    mapped = dberrors.translate(caught.value)
    assert isinstance(mapped, ConcurrentUpdate) and "locked, try again" in str(mapped)


def test_a_sqlite_write_lock_is_a_concurrent_update(home: Path) -> None:
    """A writer holding SQLite's lock makes a second writer with no busy wait fail 'locked'."""
    from implflow.core.settings import get_settings

    uow.read(lambda s: None)  # create the store
    path = get_settings().store_url.removeprefix("sqlite:///")
    import sqlite3

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
        with pytest.raises(OperationalError) as caught, engine.begin() as con:
            con.execute(text("INSERT INTO person (handle, name) VALUES ('a', 'b')"))
    finally:
        holder.rollback()
        holder.close()
    assert isinstance(dberrors.translate(caught.value), ConcurrentUpdate)


@pytest.mark.parametrize(
    "url, says",
    [
        (CLOSED_PG, "the store is unavailable: connection failed"),
        ("nodb://what", "the store URL is not usable"),
    ],
)
def test_the_cli_says_the_store_is_unavailable_in_one_line(
    home: Path, monkeypatch: pytest.MonkeyPatch, url: str, says: str
) -> None:
    from implflow.core.settings import get_settings
    from implflow.store.db import engine_for

    monkeypatch.setenv("IMPLFLOW_DATABASE_URL", url)
    get_settings.cache_clear()
    engine_for.cache_clear()
    res = CliRunner().invoke(app, ["project", "list"])
    assert res.exit_code == StoreUnavailable.exit_code
    assert res.stderr.startswith(f"error: {says}")
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr


def test_the_installed_cli_on_a_closed_port_exits_non_zero_with_one_line(home: Path) -> None:
    env = {"IMPLFLOW_HOME": str(home), "IMPLFLOW_DATABASE_URL": CLOSED_PG, "PATH": "/usr/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", "from implflow.cli.main import main; main()", "status"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 7, proc.stderr
    assert proc.stderr.startswith("error: the store is unavailable")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_concurrent_refusals_on_one_project_are_each_audited(store: str, make_project):
    key = make_project()
    errors: list[BaseException] = []

    def refuse(n: int) -> None:
        try:
            uow.run(rename_then_refuse, project_key=key, actor=f"p{n}", handle="x")
        except Forbidden:
            pass
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=refuse, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    refused = {e.actor for e in _entries(key) if e.action == "rename_then_refuse.refused"}
    assert refused == {f"p{n}" for n in range(6)}
