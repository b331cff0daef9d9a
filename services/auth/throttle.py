"""Failed log-ins per handle: after a few, each attempt must wait twice as long as the last.

The wait is recorded in the store (`blocked_until`), never slept: a refused attempt answers at
once, and tests move the clock with `now=` instead of waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from implflow.core.settings import get_settings
from implflow.services.auth.principal import as_utc
from implflow.store.models import LoginThrottle


def key(handle: str) -> str:
    """The counter's key: the handle as typed, trimmed and lower-cased."""
    return handle.strip().lower()[:128]


def delay(failures: int) -> timedelta:
    """The wait after `failures` consecutive failures: none, then base · 2^(n - free)."""
    s = get_settings()
    if failures < s.login_free_failures:
        return timedelta(0)
    seconds = s.login_delay_seconds * 2 ** min(failures - s.login_free_failures, 30)
    return timedelta(seconds=min(seconds, s.login_delay_max_seconds))


def blocked_for(session: Session, handle: str, now: datetime) -> int:
    """Seconds the handle must still wait before its next attempt (0: may try now)."""
    row = session.exec(select(LoginThrottle).where(LoginThrottle.handle == key(handle))).first()
    if row is None or row.blocked_until is None or as_utc(row.blocked_until) <= now:
        return 0
    return max(1, int((as_utc(row.blocked_until) - now).total_seconds() + 0.999))


def record_failure(session: Session, handle: str, now: datetime) -> int:
    """Count one more failure and set the wait; the number of consecutive failures."""
    row = _locked(session, key(handle))
    if row is None:
        try:  # concurrent first failures for one handle: one insert wins, the rest re-read it
            with session.begin_nested():
                session.add(LoginThrottle(handle=key(handle)))
        except IntegrityError:
            pass
        row = _locked(session, key(handle))
        assert row is not None
    row.failures += 1
    row.last_failure_at = now
    wait = delay(row.failures)
    row.blocked_until = now + wait if wait else None
    session.add(row)
    session.flush()
    return row.failures


def _locked(session: Session, k: str) -> LoginThrottle | None:
    stmt = select(LoginThrottle).where(LoginThrottle.handle == k).with_for_update()
    return session.exec(stmt).first()


def reset(session: Session, handle: str) -> None:
    """Forget the failures after a successful log-in."""
    row = session.exec(select(LoginThrottle).where(LoginThrottle.handle == key(handle))).first()
    if row is not None:
        session.delete(row)
