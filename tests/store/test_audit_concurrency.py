"""Concurrent writers on the global audit chain queue up: none lost, none refused (issue 7.7)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from implflow.services import actions, audit_check, projects
from implflow.store import audit
from implflow.store.db import get_engine, session_scope

THREADS = 20


def _add(i: int, keys: list[str]) -> str | None:
    """One `member add` of a new person; the error's text when the store refused it."""
    try:
        actions.run(
            projects.add_member,
            project_key=keys[i % len(keys)],
            handle=f"new.{i:02d}",
            role="consultant",
            name=f"New Person {i}",
            actor="wang.pmo",
        )
    except Exception as exc:  # noqa: BLE001 - counted, not hidden: the test asserts none
        return f"{type(exc).__name__}: {exc}"
    return None


def test_concurrent_member_add_loses_and_refuses_nothing(store: str) -> None:
    keys = [f"p{n}" for n in range(4)]
    for key in keys:
        spec = projects.ProjectCreate(key=key, name=key, client="ACME")
        actions.run(projects.create_project, spec=spec, actor="wang.pmo")
    with ThreadPoolExecutor(THREADS) as pool:
        refused = [r for r in pool.map(lambda i: _add(i, keys), range(THREADS)) if r]
    assert refused == []
    with get_engine().connect() as con:
        members = con.execute(text("SELECT COUNT(*) FROM membership")).scalar()
        created = con.execute(
            text("SELECT seq FROM auditentry WHERE chain = :c ORDER BY seq"), {"c": audit.GLOBAL}
        ).scalars()
        assert list(created) == list(range(1, THREADS + 1))
    assert members == THREADS
    with session_scope() as s:
        assert audit_check.verify(s) == []
