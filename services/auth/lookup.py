"""Finding an account by handle, and the Principal it stands for."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from implflow.core.errors import NotFound
from implflow.services.auth.principal import Principal
from implflow.store.models import Account, Person


def find_account(session: Session, handle: str) -> tuple[Person, Account] | None:
    """The person `handle` and their account, or None when either is missing."""
    row = session.exec(
        select(Person, Account)
        .join(Account, col(Account.person_id) == Person.id)
        .where(Person.handle == handle)
    ).first()
    return (row[0], row[1]) if row is not None else None


def account_of(session: Session, handle: str) -> tuple[Person, Account]:
    """The person `handle` and their account; NotFound when either is missing."""
    found = find_account(session, handle)
    if found is None:
        raise NotFound(f"no account for {handle!r}")
    return found


def principal(
    who: Person,
    account: Account,
    via: Literal["password", "token"],
    *,
    token_id: int | None = None,
    proven_at: datetime | None = None,
) -> Principal:
    """The Principal an account stands for, proven `via` a password or a token."""
    assert who.id is not None
    return Principal(
        handle=who.handle,
        person_id=who.id,
        name=who.name,
        is_admin=account.is_admin,
        is_pmo=account.is_pmo,
        via=via,
        token_id=token_id,
        proven_at=proven_at,
    )
