"""The proven identity an action carries: who, with which global flags, proven how and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal


def as_utc(at: datetime) -> datetime:
    """A stored time as aware UTC (SQLite hands DateTime(timezone=True) back naive)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


@dataclass(frozen=True)
class Principal:
    """A person whose identity was proven by a password or a token."""

    handle: str
    person_id: int
    name: str
    is_admin: bool
    is_pmo: bool
    via: Literal["password", "token"]
    token_id: int | None = None
    # When the person last typed their password: now for a password, the log-in for a token
    # that `login` issued, None for an API token (it never counts as a fresh log-in).
    proven_at: datetime | None = None

    def fresh(self, now: datetime, seconds: int) -> bool:
        """Whether the password was proven within `seconds` before `now`."""
        if self.proven_at is None:
            return False
        return now - as_utc(self.proven_at) <= timedelta(seconds=seconds)
