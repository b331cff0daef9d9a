"""The one unit of work: every action of every face (CLI, flows, console, API) runs here.

- one transaction per action, committed on success, rolled back on any error;
- the acting person travels as an `Actor` (a handle today; with a proven `Principal` the
  action is authorized here by `services.permissions`, the one place that check belongs);
- a refusal (`Forbidden`, `Unauthenticated`) raised anywhere inside is written to the audit
  log after the rollback, with actor, action and target, in a transaction of its own (written
  inside, it would be rolled back, or wait on the action's own project lock);
- database failures come out as domain errors (`services.dberrors`): "the store is locked,
  try again" only for a real lock, `StoreUnavailable` for a server down or a wrong URL.

`run(fn, **kw)` runs a service `fn(session, **kw)`; `read(fn)` a read-only `fn(session)`;
`transaction(actor)` is the same edge for code that needs the session itself (flows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from implflow.core.errors import Forbidden, ImplflowError, NotFound, Unauthenticated
from implflow.services import dberrors
from implflow.services.auth.principal import Principal
from implflow.store import audit
from implflow.store.db import session_scope

T = TypeVar("T")
REFUSALS = (Forbidden, Unauthenticated)
ANONYMOUS = "anonymous"  # the actor of a face that proved nobody


@dataclass(frozen=True)
class Actor:
    """Who acts: a handle, and once proven, the principal (and on whose behalf, on paper)."""

    handle: str
    principal: Principal | None = None
    on_behalf_of: str | None = None

    @classmethod
    def of(cls, who: Actor | Principal | str | None) -> Actor:
        """The actor named by a service's `actor` argument (a handle, a principal or an actor)."""
        if isinstance(who, Actor):
            return who
        if isinstance(who, Principal):
            return cls(who.handle, principal=who)
        return cls(who or ANONYMOUS)

    def detail(self) -> dict[str, str]:
        """How the actor was proven, for the audit entry (nothing for a bare handle)."""
        out: dict[str, str] = {}
        if self.principal is not None:
            out["via"] = self.principal.via
        if self.on_behalf_of:
            out["on_behalf_of"] = self.on_behalf_of
        return out


def run(action: Callable[..., T], /, **kwargs: Any) -> T:
    """Run the service `action(session, **kwargs)` as one unit of work, as `kwargs['actor']`."""
    who = Actor.of(kwargs.get("actor"))
    try:
        with _edge(), session_scope() as session:
            from implflow.services.permissions import (
                authorize_call,
                check_trusted_member,
                required_action,
            )

            # a marked write needs a proven person; a bare handle is in-process code (flows)
            trusted = who.principal is None and who.handle != ANONYMOUS
            authorize_call(session, who.principal, action, kwargs, trusted=trusted)
            if trusted:
                check_trusted_member(session, who.handle, action, kwargs)
            if required_action(action) is not None:  # marked services record the handle
                kwargs = {**kwargs, "actor": who.handle}
            return action(session, **kwargs)
    except REFUSALS as refusal:
        audit_refusal(who, refusal_name(action), kwargs, refusal)
        raise


def read(fn: Callable[[Session], T]) -> T:
    """Run a read-only function in a session, database failures told apart."""
    with _edge(), session_scope() as session:
        return fn(session)


@contextmanager
def transaction(actor: Actor | Principal | str | None = None, **about: Any) -> Iterator[Session]:
    """One unit of work for code that needs the session (flows): same edge, same audit.

    `about` names what is done (`action=`, `project_key=`, `gate_key=`...) for a refusal.
    """
    who = Actor.of(actor)
    try:
        with _edge(), session_scope() as session:
            yield session
    except REFUSALS as refusal:
        audit_refusal(who, str(about.get("action", "action")), about, refusal)
        raise


@contextmanager
def _edge() -> Iterator[None]:
    """Database failures as domain errors (lock, unavailable); anything else unchanged."""
    try:
        yield
    except SQLAlchemyError as exc:
        mapped = dberrors.translate(exc)
        if mapped is None:
            raise
        raise mapped from None


def refusal_name(fn: Callable[..., Any]) -> str:
    """The audit action of a service's refusal: its name, e.g. `waive_item` → `waive`."""
    name = getattr(fn, "__name__", "action")
    return name.removesuffix("_item")


def _target(kw: Mapping[str, Any]) -> str:
    """What the refused action aimed at: gate/item, a person, or the project."""
    parts = [str(kw[k]) for k in ("gate_key", "item_key") if kw.get(k)]
    if parts:
        return "/".join(parts)
    for k in ("handle", "project_key"):
        if kw.get(k):
            return str(kw[k])
    return ""


def audit_refusal(who: Actor, action: str, kw: Mapping[str, Any], refusal: ImplflowError) -> None:
    """Write the refusal to the project's chain (or the global one), after the rollback."""
    from implflow.services import lookup

    detail = {"reason": str(refusal), **who.detail()}
    with _edge(), session_scope() as session:
        chain = audit.GLOBAL
        if kw.get("project_key"):
            try:  # the project row queues this chain's writers
                chain = lookup.project(session, str(kw["project_key"]), lock=True).key
            except NotFound:
                pass
        audit.append(
            session,
            chain=chain,
            actor=who.handle,
            action=f"{action}.refused",
            target=_target(kw),
            detail=detail,
        )
