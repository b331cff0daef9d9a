"""API tokens: a random secret shown once, kept as its sha256, with a name and an expiry."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from implflow.core.errors import Forbidden, InvalidInput, NotFound
from implflow.services.auth.lookup import account_of
from implflow.services.auth.principal import Principal
from implflow.store import audit
from implflow.store.models import ApiToken, Person, utcnow

PREFIX = "ifl_"  # makes a leaked token easy to recognise (and to scan for)
MAX_DAYS = 366


@dataclass(frozen=True)
class Issued:
    """A token just issued: `secret` is shown now and never again."""

    secret: str
    token_id: int
    handle: str
    name: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    token_id: int
    handle: str
    name: str
    kind: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def digest(secret: str) -> str:
    """What the store keeps of a token: the sha256 of its secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _own_or_admin(actor: Principal, handle: str, what: str) -> None:
    if actor.handle != handle and not actor.is_admin:
        raise Forbidden(f"{actor.handle} may {what} only their own tokens (admins: anyone's)")


def issue_token(
    session: Session,
    *,
    actor: Principal,
    handle: str | None = None,
    name: str,
    days: float,
    kind: str = "api",
    now: datetime | None = None,
) -> Issued:
    """A token for `handle` (default: the actor) valid `days`; its secret is returned once."""
    handle = handle or actor.handle
    _own_or_admin(actor, handle, "create")
    if not 0 < days <= MAX_DAYS:
        raise InvalidInput(f"a token lives more than 0 and at most {MAX_DAYS} days, not {days}")
    if not name.strip() or len(name) > 64:
        raise InvalidInput("a token needs a name of 1 to 64 characters")
    who, _ = account_of(session, handle)
    secret = PREFIX + secrets.token_urlsafe(32)
    at = now or utcnow()
    token = ApiToken(
        person_id=who.id,
        name=name,
        kind=kind,
        token_sha256=digest(secret),
        created_at=at,
        expires_at=at + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    assert token.id is not None
    audit.append(
        session,
        chain=audit.GLOBAL,
        actor=actor.handle,
        action="token.create",
        target=handle,
        detail={"token": token.id, "name": name, "kind": kind, "expires": token.expires_at},
    )
    return Issued(secret, token.id, handle, name, token.expires_at)


def list_tokens(
    session: Session, *, actor: Principal, handle: str | None = None
) -> list[TokenInfo]:
    """A person's tokens (default: the actor's; every person's for an admin asking for None)."""
    stmt = select(ApiToken, Person.handle).join(Person, col(ApiToken.person_id) == Person.id)
    if handle is not None or not actor.is_admin:
        _own_or_admin(actor, handle or actor.handle, "list")
        stmt = stmt.where(Person.handle == (handle or actor.handle))
    rows = session.exec(stmt.order_by(Person.handle, col(ApiToken.id)))
    return [
        TokenInfo(
            t.id or 0, h, t.name, t.kind, t.created_at, t.expires_at, t.revoked_at, t.last_used_at
        )
        for t, h in rows
    ]


def revoke_token(session: Session, *, actor: Principal, token_id: int) -> None:
    """Revoke a token: one's own, or anyone's by an admin."""
    row = session.exec(
        select(ApiToken, Person.handle)
        .join(Person, col(ApiToken.person_id) == Person.id)
        .where(ApiToken.id == token_id)
    ).first()
    if row is None:
        raise NotFound(f"no token {token_id}")
    token, handle = row
    _own_or_admin(actor, handle, "revoke")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
    audit.append(
        session,
        chain=audit.GLOBAL,
        actor=actor.handle,
        action="token.revoke",
        target=handle,
        detail={"token": token_id, "name": token.name},
    )


def revoke_all(session: Session, who: Person, keep: int | None = None) -> int:
    """Revoke every live token of a person but `keep`; how many were revoked."""
    n = 0
    for token in session.exec(
        select(ApiToken).where(ApiToken.person_id == who.id, col(ApiToken.revoked_at).is_(None))
    ):
        if token.id != keep:
            token.revoked_at, n = utcnow(), n + 1
            session.add(token)
    return n
