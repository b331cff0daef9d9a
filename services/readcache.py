"""Read models kept between requests until the store changes: one cheap query says whether
anything did.

Every change to the governed state writes an audit entry, and every phase run starts (new
row) and ends (leaves `running`) in `phaserun`; so the store's *mark* — the newest audit
entry, the newest run and how many runs are running — moves with every change a read model
can show. A cached read is served only while the mark is the same (and, for reads that count
days, within the same minute); a process never serves what another one changed since.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, select

from implflow.store.models import AuditEntry, PhaseRun, utcnow

T = TypeVar("T")
SIZE = 256


def mark(session: Session) -> tuple[Any, ...]:
    """The store's change mark, in one query."""
    newest_audit = select(func.max(AuditEntry.id)).scalar_subquery()
    newest_run = select(func.max(PhaseRun.id)).scalar_subquery()
    running = (
        select(func.count()).select_from(PhaseRun).where(PhaseRun.outcome == "running")
    ).scalar_subquery()
    return tuple(session.exec(select(newest_audit, newest_run, running)).one())


class ReadCache:
    """A small LRU of read models keyed by (store mark, minute, what was asked)."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def stamp(session: Session, key: Hashable) -> Hashable:
        """`key` for the store as it is now: equal stamps, equal read models."""
        store = str(session.get_bind().url)  # a process may open several stores (tests)
        return (store, mark(session), utcnow().replace(second=0, microsecond=0), key)

    def get(self, session: Session, key: Hashable, build: Callable[[], T]) -> T:
        """The cached value of `key` for the store as it is now, built when missing."""
        return self.get_stamped(self.stamp(session, key), build)

    def get_stamped(self, full: Hashable, build: Callable[[], T]) -> T:
        """The cached value for a stamp (`stamp`), built when missing."""
        with self.lock:
            if full in self.items:
                self.items.move_to_end(full)
                return self.items[full]  # type: ignore[no-any-return]
        value = build()
        with self.lock:
            self.items[full] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
