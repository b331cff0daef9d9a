"""Proving who acts: a password (throttled) or a token; each refusal audited and kept.

These functions open their own transactions: a refusal must leave its audit entry and its
failure count in the store although the caller's action fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from implflow.core.errors import TooManyAttempts, Unauthenticated
from implflow.core.settings import get_settings
from implflow.services.auth import throttle
from implflow.services.auth.lookup import find_account, principal
from implflow.services.auth.passwords import MAX_LENGTH, verify_password
from implflow.services.auth.principal import Principal, as_utc
from implflow.services.auth.tokens import Issued, digest, issue_token
from implflow.store import audit
from implflow.store.db import session_scope
from implflow.store.models import Account, ApiToken, Person, utcnow

TOUCH_SECONDS = 60  # last_used_at is refreshed at most once a minute: reads stay reads


@dataclass(frozen=True)
class _Refusal:
    error: Unauthenticated
    reason: str  # for the audit log, more precise than what the caller is told
    counts: bool  # a failure that slows down the next attempt


def _clean(text: str) -> str:
    """User-typed text as it may go into the audit log's short columns."""
    return "".join(c for c in text if c.isprintable())[:64] or "?"


def _refuse(handle: str, refusal: _Refusal, now: datetime, via: str, **detail: object) -> None:
    """Record the refusal (and the failure) in a transaction of its own, then raise."""
    with session_scope() as s:
        if refusal.counts:
            detail["failures"] = throttle.record_failure(s, handle, now)
        audit.append(
            s,
            chain=audit.GLOBAL,
            actor=_clean(handle),
            action="auth.refused",
            target=_clean(handle),
            detail={"via": via, "reason": refusal.reason, **detail},
        )
    raise refusal.error


def _check_password(s: Session, handle: str, password: str, now: datetime) -> Principal | _Refusal:
    wait = throttle.blocked_for(s, handle, now)
    if wait:
        return _Refusal(
            TooManyAttempts(f"too many failed log-ins for {_clean(handle)}: try again in {wait} s"),
            f"throttled for {wait} s",
            counts=False,
        )
    found = find_account(s, handle)
    ok = verify_password(found[1].password_hash if found else None, password[:MAX_LENGTH])
    if not ok or len(password) > MAX_LENGTH:
        reason = "wrong password" if found else "no such account"
        return _Refusal(Unauthenticated("wrong handle or password"), reason, counts=True)
    who, account = found  # type: ignore[misc]
    if account.disabled:
        return _Refusal(Unauthenticated(f"account {handle} is disabled"), "disabled", False)
    throttle.reset(s, handle)
    return principal(who, account, "password", proven_at=now)


def authenticate_password(*, handle: str, password: str, now: datetime | None = None) -> Principal:
    """The person whose password this is; Unauthenticated (audited, counted) otherwise."""
    now = now or utcnow()
    with session_scope() as s:
        result = _check_password(s, handle, password, now)
    if isinstance(result, _Refusal):
        _refuse(handle, result, now, "password")
    assert isinstance(result, Principal)
    return result


def login(
    *, handle: str, password: str, token_name: str = "cli", now: datetime | None = None
) -> Issued:
    """Prove a password and issue a log-in token (its secret shown once)."""
    who = authenticate_password(handle=handle, password=password, now=now)
    with session_scope() as s:
        return issue_token(
            s,
            actor=who,
            name=token_name,
            days=get_settings().login_token_days,
            kind="login",
            now=now,
        )


def _check_token(s: Session, secret: str, now: datetime) -> Principal | tuple[str, _Refusal]:
    row = s.exec(
        select(ApiToken, Person, Account)
        .join(Person, Person.id == ApiToken.person_id)  # type: ignore[arg-type]
        .join(Account, Account.person_id == Person.id)  # type: ignore[arg-type]
        .where(ApiToken.token_sha256 == digest(secret))
    ).first()
    if row is None:
        refusal = _Refusal(Unauthenticated("unknown token: log in again"), "unknown", False)
        return "anonymous", refusal
    token, who, account = row
    problem = (
        "revoked"
        if token.revoked_at is not None
        else "expired"
        if as_utc(token.expires_at) <= now
        else "account disabled"
        if account.disabled
        else None
    )
    if problem:
        refusal = _Refusal(Unauthenticated(f"token {problem}: log in again"), problem, False)
        return who.handle, refusal
    last = token.last_used_at
    if last is None or (now - as_utc(last)).total_seconds() > TOUCH_SECONDS:
        token.last_used_at = now
        s.add(token)
    proven = token.created_at if token.kind == "login" else None
    return principal(who, account, "token", token_id=token.id, proven_at=proven)


def authenticate_token(*, secret: str, now: datetime | None = None) -> Principal:
    """The person a token stands for; Unauthenticated (audited) when unknown, revoked, expired."""
    now = now or utcnow()
    with session_scope() as s:
        result = _check_token(s, secret.strip(), now)
    if isinstance(result, tuple):
        handle, refusal = result
        _refuse(handle, refusal, now, "token", token_sha256=digest(secret.strip())[:12])
    assert isinstance(result, Principal)
    return result


def reauthenticate(
    who: Principal, password: str | None, *, now: datetime | None = None
) -> Principal:
    """`who` with a fresh proof: the log-in itself when recent, else the password typed again."""
    now = now or utcnow()
    if who.fresh(now, get_settings().signing_fresh_seconds):
        return who
    if password is None:
        raise Unauthenticated(
            f"{who.handle}: signing needs your password again (the log-in is older than "
            f"{get_settings().signing_fresh_seconds} s)"
        )
    again = authenticate_password(handle=who.handle, password=password, now=now)
    return Principal(**{**again.__dict__, "via": who.via, "token_id": who.token_id})
