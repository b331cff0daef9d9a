"""One read of a gate per action: a signature's statements counted on the real store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gate_helpers import GATE
from sqlalchemy import event

from implflow.services import actions
from implflow.store.db import get_engine

# Measured on SQLite: 39 statements per `gate sign` before the gate was read once (the
# facts read four times over, the pack loaded for each), 27 after; documents still read theirs.
MAX_STATEMENTS = 30


@contextmanager
def counted() -> Iterator[list[str]]:
    """Every statement the store's engine runs inside the block."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_signature_reads_the_gate_once(store: str, ready_srs: str) -> None:
    with counted() as seen:
        out = actions.sign(
            project_key=ready_srs, gate_key=GATE, actor="chen.lead", role="consultant_lead"
        )
    assert not out.met and out.waiting_for == "1 signature"
    assert len(seen) <= MAX_STATEMENTS, len(seen)
    checklist_reads = [s for s in seen if s.lstrip().startswith("SELECT checklistentry.id")]
    waiver_reads = [s for s in seen if s.lstrip().startswith("SELECT waiver.id")]
    assert len(checklist_reads) <= 2 and len(waiver_reads) <= 2  # before: 4 each
    with counted() as seen:
        out = actions.sign(
            project_key=ready_srs, gate_key=GATE, actor="zhou.sponsor", role="client_sponsor"
        )
    assert out.met and out.advanced is None  # no trigger handed in: nothing runs
    assert len(seen) <= MAX_STATEMENTS, len(seen)
