"""Accounts, passwords, tokens and throttled log-ins, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from implflow.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    TooManyAttempts,
    Unauthenticated,
)
from implflow.core.settings import get_settings
from implflow.services import auth
from implflow.services.auth import Principal
from implflow.store import audit
from implflow.store.db import session_scope
from implflow.store.models import Account, ApiToken, AuditEntry, utcnow

PW = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_hashes(home, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2 at its smallest cost: these tests check the rules, not the hash's strength."""
    monkeypatch.setenv("IMPLFLOW_ARGON2_MEMORY_KIB", "64")
    monkeypatch.setenv("IMPLFLOW_ARGON2_TIME_COST", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def add(actor: Principal | None, handle: str, *, admin: bool = False) -> None:
    with session_scope() as s:
        auth.create_account(
            s, actor=actor, handle=handle, password=PW, name=handle.title(), is_admin=admin
        )


def admin() -> Principal:
    add(None, "root.admin", admin=True)
    return auth.authenticate_password(handle="root.admin", password=PW)


def refusals() -> list[dict]:
    with session_scope() as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.chain == audit.GLOBAL))
        return [{"actor": e.actor, **e.detail} for e in rows if e.action == "auth.refused"]


def test_the_first_account_is_an_admin_and_then_bootstrap_closes(store: str) -> None:
    with pytest.raises(Forbidden, match="first account must be an admin"):
        add(None, "chen.lead")
    root = admin()
    assert root.is_admin and root.via == "password"
    with pytest.raises(Forbidden, match="only an admin"):
        add(None, "zhao.cons")
    add(root, "zhao.cons")
    cons = auth.authenticate_password(handle="zhao.cons", password=PW)
    with pytest.raises(Forbidden, match="not an admin"):
        add(cons, "sun.cons")
    with pytest.raises(Conflict, match="already has an account"):
        add(root, "zhao.cons")


def test_passwords_are_kept_as_argon2id_hashes_and_obey_the_policy(store: str) -> None:
    root = admin()
    with session_scope() as s:
        stored = s.exec(select(Account)).one().password_hash
    assert stored.startswith("$argon2id$") and PW not in stored
    for bad, why in (("short", "at least 12"), ("zhao.cons-password", "handle"), ("a" * 20, "4")):
        with pytest.raises(InvalidInput, match=why), session_scope() as s:
            auth.create_account(s, actor=root, handle="zhao.cons", password=bad, name="Zhao")


def test_wrong_password_and_unknown_handle_say_the_same_and_are_audited(store: str) -> None:
    admin()
    for handle in ("root.admin", "nobody"):
        with pytest.raises(Unauthenticated, match="^wrong handle or password$"):
            auth.authenticate_password(handle=handle, password="not the password")
    assert [(r["actor"], r["reason"]) for r in refusals()] == [
        ("root.admin", "wrong password"),
        ("nobody", "no such account"),
    ]


def test_failed_log_ins_wait_longer_each_time_without_sleeping(store: str) -> None:
    admin()
    t0 = utcnow()
    for _ in range(3):  # three free failures, the third sets a wait of 2 s
        with pytest.raises(Unauthenticated):
            auth.authenticate_password(handle="root.admin", password="nope", now=t0)
    with pytest.raises(TooManyAttempts, match="try again in 2 s"):
        auth.authenticate_password(handle="root.admin", password=PW, now=t0)
    later = t0 + timedelta(seconds=3)
    with pytest.raises(Unauthenticated):  # the fourth failure doubles the wait
        auth.authenticate_password(handle="ROOT.ADMIN ", password="nope", now=later)
    with pytest.raises(TooManyAttempts, match="try again in 4 s"):
        auth.authenticate_password(handle="root.admin", password=PW, now=later)
    who = auth.authenticate_password(
        handle="root.admin", password=PW, now=later + timedelta(seconds=5)
    )
    assert who.handle == "root.admin"
    # the throttle counts the handle however it is typed; the account is looked up exactly
    assert [r["reason"] for r in refusals()][-3:] == [
        "throttled for 2 s",
        "no such account",
        "throttled for 4 s",
    ]
    # a success resets the count: one more failure does not wait
    with pytest.raises(Unauthenticated):
        auth.authenticate_password(handle="root.admin", password="nope", now=later)
    auth.authenticate_password(handle="root.admin", password=PW, now=later)


def test_login_token_is_kept_as_its_sha256_and_shown_once(store: str) -> None:
    admin()
    issued = auth.login(handle="root.admin", password=PW)
    with session_scope() as s:
        row = s.exec(select(ApiToken)).one()
    assert row.token_sha256 == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert row.kind == "login" and issued.secret.startswith("ifl_")
    who = auth.authenticate_token(secret=issued.secret)
    assert (who.handle, who.via, who.token_id) == ("root.admin", "token", issued.token_id)
    assert who.fresh(utcnow(), 300)


def test_expired_revoked_and_unknown_tokens_are_refused_and_audited(store: str) -> None:
    root = admin()
    t0 = utcnow()
    with session_scope() as s:
        short = auth.issue_token(s, actor=root, name="ci", days=1, now=t0)
        gone = auth.issue_token(s, actor=root, name="old", days=30)
        auth.revoke_token(s, actor=root, token_id=gone.token_id)
    assert auth.authenticate_token(secret=short.secret, now=t0).proven_at is None
    with pytest.raises(Unauthenticated, match="token expired"):
        auth.authenticate_token(secret=short.secret, now=t0 + timedelta(days=1, seconds=1))
    with pytest.raises(Unauthenticated, match="token revoked"):
        auth.authenticate_token(secret=gone.secret)
    with pytest.raises(Unauthenticated, match="unknown token"):
        auth.authenticate_token(secret="ifl_made-up")
    got = [(r["actor"], r["via"], r["reason"]) for r in refusals()]
    assert got == [
        ("root.admin", "token", "expired"),
        ("root.admin", "token", "revoked"),
        ("anonymous", "token", "unknown"),
    ]
    assert all(short.secret not in str(r) for r in refusals())


def test_tokens_are_managed_by_their_owner_or_an_admin(store: str) -> None:
    root = admin()
    add(root, "zhao.cons")
    add(root, "sun.cons")
    zhao = auth.authenticate_password(handle="zhao.cons", password=PW)
    with session_scope() as s:
        own = auth.issue_token(s, actor=zhao, name="laptop", days=30)
        theirs = auth.issue_token(s, actor=root, handle="sun.cons", name="ci", days=30)
        with pytest.raises(Forbidden, match="only their own"):
            auth.issue_token(s, actor=zhao, handle="sun.cons", name="x", days=1)
        with pytest.raises(Forbidden, match="only their own"):
            auth.revoke_token(s, actor=zhao, token_id=theirs.token_id)
        with pytest.raises(InvalidInput, match="at most 366 days"):
            auth.issue_token(s, actor=zhao, name="forever", days=10_000)
        assert [t.name for t in auth.list_tokens(s, actor=zhao)] == ["laptop"]
        assert {t.handle for t in auth.list_tokens(s, actor=root)} == {"sun.cons", "zhao.cons"}
        auth.revoke_token(s, actor=zhao, token_id=own.token_id)


def test_disabling_an_account_revokes_its_tokens_and_refuses_log_in(store: str) -> None:
    root = admin()
    add(root, "zhao.cons")
    issued = auth.login(handle="zhao.cons", password=PW)
    with session_scope() as s:
        with pytest.raises(Forbidden, match="own account"):
            auth.set_disabled(s, actor=root, handle="root.admin", disabled=True)
        auth.set_disabled(s, actor=root, handle="zhao.cons", disabled=True)
    with pytest.raises(Unauthenticated, match="token revoked"):
        auth.authenticate_token(secret=issued.secret)
    with pytest.raises(Unauthenticated, match="disabled"):
        auth.authenticate_password(handle="zhao.cons", password=PW)
    with session_scope() as s:
        listed = {a.handle: a.disabled for a in auth.list_accounts(s, actor=root)}
    assert listed == {"root.admin": False, "zhao.cons": True}


def test_a_new_password_revokes_the_other_tokens(store: str) -> None:
    root = admin()
    add(root, "zhao.cons")
    other = auth.login(handle="zhao.cons", password=PW, token_name="laptop")
    here = auth.authenticate_token(secret=auth.login(handle="zhao.cons", password=PW).secret)
    with session_scope() as s:
        with pytest.raises(Forbidden, match="not an admin"):
            auth.set_password(s, actor=here, handle="root.admin", password="another long one")
        auth.set_password(s, actor=here, handle="zhao.cons", password="another long one")
    with pytest.raises(Unauthenticated, match="revoked"):
        auth.authenticate_token(secret=other.secret)
    assert (
        auth.authenticate_token(
            secret=auth.login(handle="zhao.cons", password="another long one").secret
        ).handle
        == "zhao.cons"
    )


def test_signing_needs_the_password_again_outside_a_fresh_log_in(store: str) -> None:
    admin()
    who = auth.authenticate_token(secret=auth.login(handle="root.admin", password=PW).secret)
    assert auth.reauthenticate(who, None) is who
    later = utcnow() + timedelta(minutes=6)
    with pytest.raises(Unauthenticated, match="needs your password again"):
        auth.reauthenticate(who, None, now=later)
    with pytest.raises(Unauthenticated, match="wrong handle or password"):
        auth.reauthenticate(who, "wrong", now=later)
    again = auth.reauthenticate(who, PW, now=later)
    assert again.proven_at == later and again.via == "token"


def test_a_password_change_needs_the_actors_password_proven_moments_ago(store: str) -> None:
    root = admin()
    stale = dataclasses.replace(root, proven_at=utcnow() - timedelta(minutes=6))
    with pytest.raises(Unauthenticated, match="needs your password again"), session_scope() as s:
        auth.set_password(s, actor=stale, handle="root.admin", password="a stolen token's pick")
    assert auth.authenticate_password(handle="root.admin", password=PW)
