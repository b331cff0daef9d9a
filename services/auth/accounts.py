"""Accounts: a person's password hash and global flags; created, re-passworded, disabled."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from implflow.core.errors import Conflict, Forbidden, Unauthenticated
from implflow.core.settings import get_settings
from implflow.services.auth.lookup import account_of
from implflow.services.auth.passwords import check_policy, hash_password
from implflow.services.auth.principal import Principal
from implflow.services.auth.tokens import revoke_all
from implflow.services.projects import ensure_person
from implflow.store import audit
from implflow.store.models import Account, Person, utcnow


@dataclass(frozen=True)
class AccountInfo:
    handle: str
    name: str
    title: str
    is_admin: bool
    is_pmo: bool
    disabled: bool


def bootstrap_needed(session: Session) -> bool:
    """True while no account exists: the first one may be created without logging in."""
    return session.exec(select(Account.id).limit(1)).first() is None


def _require_admin(session: Session, actor: Principal | None) -> str:
    """The acting handle when it is an admin's, or the bootstrap's."""
    if actor is None:
        if bootstrap_needed(session):
            return "bootstrap"
        raise Forbidden("only an admin manages accounts: log in as one first")
    if not actor.is_admin:
        raise Forbidden(f"{actor.handle} is not an admin: only an admin manages accounts")
    return actor.handle


def create_account(
    session: Session,
    *,
    actor: Principal | None,
    handle: str,
    password: str,
    name: str | None = None,
    title: str = "",
    is_admin: bool = False,
    is_pmo: bool = False,
) -> AccountInfo:
    """Give a person (created when new: `name` needed) an account; admins only, or the first."""
    first = bootstrap_needed(session)
    by = _require_admin(session, actor)
    if first and not is_admin:
        raise Forbidden("the first account must be an admin: add --admin")
    check_policy(password, handle)
    who = ensure_person(session, handle=handle, name=name)
    if title:
        who.title = title
        session.add(who)
    if session.exec(select(Account).where(Account.person_id == who.id)).first():
        raise Conflict(f"{handle} already has an account: use `user passwd` to change it")
    session.add(
        Account(
            person_id=who.id,
            password_hash=hash_password(password),
            is_admin=is_admin,
            is_pmo=is_pmo,
        )
    )
    session.flush()
    audit.append(
        session,
        chain=audit.GLOBAL,
        actor=by,
        action="account.create",
        target=handle,
        detail={"admin": is_admin, "pmo": is_pmo},
    )
    return AccountInfo(handle, who.name, who.title, is_admin, is_pmo, False)


def set_password(session: Session, *, actor: Principal, handle: str, password: str) -> None:
    """Change a password: one's own, or anyone's by an admin; the person's tokens are revoked.

    The actor must have proven their own password moments ago (`reauthenticate`): a stolen
    token alone cannot lock the owner out.
    """
    if actor.handle != handle:
        _require_admin(session, actor)
    seconds = get_settings().signing_fresh_seconds
    if not actor.fresh(utcnow(), seconds):
        raise Unauthenticated(f"{actor.handle}: changing a password needs your password again")
    check_policy(password, handle)
    who, account = account_of(session, handle)
    account.password_hash, account.password_changed_at = hash_password(password), utcnow()
    session.add(account)
    revoked = revoke_all(session, who, keep=actor.token_id if actor.handle == handle else None)
    audit.append(
        session,
        chain=audit.GLOBAL,
        actor=actor.handle,
        action="account.passwd",
        target=handle,
        detail={"tokens_revoked": revoked},
    )


def set_disabled(session: Session, *, actor: Principal, handle: str, disabled: bool) -> None:
    """Disable (or enable again) an account; admins only, never one's own; tokens revoked."""
    _require_admin(session, actor)
    if actor.handle == handle:
        raise Forbidden("an admin cannot disable their own account")
    who, account = account_of(session, handle)
    account.disabled = disabled
    session.add(account)
    revoked = revoke_all(session, who) if disabled else 0
    audit.append(
        session,
        chain=audit.GLOBAL,
        actor=actor.handle,
        action="account.disable" if disabled else "account.enable",
        target=handle,
        detail={"tokens_revoked": revoked},
    )


def list_accounts(session: Session, *, actor: Principal) -> list[AccountInfo]:
    """Every account, sorted by handle; admins only."""
    _require_admin(session, actor)
    rows = session.exec(
        select(Person, Account)
        .join(Account, col(Account.person_id) == Person.id)
        .order_by(Person.handle)
    )
    return [
        AccountInfo(p.handle, p.name, p.title, a.is_admin, a.is_pmo, a.disabled) for p, a in rows
    ]
