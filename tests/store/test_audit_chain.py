"""The audit log on SQLite and PostgreSQL: chained appends, and tampering caught."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import select

from implflow.store import audit
from implflow.store.db import get_engine, session_scope
from implflow.store.models import AuditEntry


def _fill(n: int) -> None:
    for i in range(n):
        with session_scope() as s:
            audit.append(
                s,
                chain="p1",
                actor="ann",
                action="test",
                target=f"t{i}",
                detail={"i": i, "name": "王芳"},
            )


def test_chain_appends_and_verifies(store: str) -> None:
    _fill(4)
    with session_scope() as s:
        rows = list(s.exec(select(AuditEntry).order_by(AuditEntry.seq)))
        assert [r.seq for r in rows] == [1, 2, 3, 4]
        assert rows[1].prev_hash == rows[0].hash
        assert audit.verify_chain(s, "p1") == []


def test_edited_row_is_caught(store: str) -> None:
    _fill(3)
    with get_engine().begin() as con:
        con.execute(text("UPDATE auditentry SET actor = 'mallory' WHERE seq = 2"))
    with session_scope() as s:
        problems = audit.verify_chain(s, "p1")
    assert problems == ["audit p1#2: entry was altered (test t1)"]


def test_deleted_row_is_caught(store: str) -> None:
    _fill(3)
    with get_engine().begin() as con:
        con.execute(text("DELETE FROM auditentry WHERE seq = 2"))
    with session_scope() as s:
        problems = audit.verify_chain(s, "p1")
    assert any("missing" in p for p in problems)
    assert any("link" in p for p in problems)
