"""Acting as a proven person: the console's one way into the services' unit of work.

Every write of a page or of the API comes here: the person is authorized by
`services.permissions` (a refusal is audited), a form drawn from an older version of the
gate is refused before anything changes, and a phase that a write unblocks is handed to the
trigger, never run inside the request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlmodel import Session

from implflow.core.errors import ConcurrentUpdate, Forbidden, Unauthenticated
from implflow.services import actions, auth, lookup, phases
from implflow.services import gates as gate_service
from implflow.services.auth import Principal
from implflow.services.permissions import Action, authorize, require_fresh
from implflow.store import audit
from implflow.store.db import session_scope

T = TypeVar("T")


class Trigger(Protocol):
    """What starts a phase outside the request (services.trigger.PhaseTrigger's shape)."""

    def start(self, project_key: str, phase_key: str) -> str: ...


def stale_message(drawn: int, now: int) -> str:
    return (
        f"the gate changed since this page was drawn (version {drawn}, now {now}): "
        "reload the page; nothing was saved"
    )


def _unchanged_since(fn: Callable[..., T], expected: int) -> Callable[..., T]:
    """`fn` refused, under the project lock, when the gate's version is no longer `expected`."""

    @functools.wraps(fn)
    def guarded(session: Session, **kw: Any) -> T:
        proj = lookup.project(session, kw["project_key"], lock=True)
        rec = lookup.gate_record(session, proj, kw["gate_key"])
        if rec.version != expected:
            raise ConcurrentUpdate(stale_message(expected, rec.version))
        return fn(session, **kw)

    return guarded


def authorized(who: Principal, action: Action, kw: dict[str, Any]) -> None:
    """The pack's rule for `who`; a refusal is written to the project's audit log."""
    try:
        with session_scope() as s:
            proj = lookup.project(s, kw["project_key"])
            gate = lookup.gate_def(proj, kw["gate_key"])[1] if "gate_key" in kw else None
            if action in (Action.SIGN, Action.REJECT):
                require_fresh(who)
            authorize(s, who, proj, action, gate=gate, item=kw.get("item_key"), role=kw.get("role"))
    except (Forbidden, Unauthenticated) as exc:
        with session_scope() as s:
            lookup.project(s, kw["project_key"], lock=True)
            target = "/".join(str(kw[k]) for k in ("gate_key", "item_key") if k in kw)
            audit.append(
                s,
                chain=kw["project_key"],
                actor=who.handle,
                action=f"{action.value}.refused",
                target=target or kw["project_key"],
                detail={"reason": str(exc), "via": "console"},
            )
        raise


def act(
    who: Principal, action: Action, fn: Callable[..., T], /, version: int | None = None, **kw: Any
) -> T:
    """Run the service `fn` as `who` for `action`; with `version`, only on that gate version."""
    authorized(who, action, kw)
    call = fn if version is None else _unchanged_since(fn, version)
    return actions.run(call, actor=who.handle, **kw)


@dataclass(frozen=True)
class Signed:
    met: bool
    waiting_for: str
    started: str | None  # what the trigger said when the signature unblocked the phase
    phase: str


def sign(
    who: Principal,
    trigger: Trigger,
    *,
    project_key: str,
    gate_key: str,
    role: str,
    comment: str,
    password: str | None,
    version: int | None,
) -> Signed:
    """Sign a gate (the password again when the log-in is not fresh); a met gate's phase is
    handed to the trigger."""
    who = auth.reauthenticate(who, password or None)
    ev = act(
        who,
        Action.SIGN,
        gate_service.sign,
        version=version,
        project_key=project_key,
        gate_key=gate_key,
        role=role,
        comment=comment,
    )
    phase_key = _phase_of(project_key, gate_key)
    started = trigger.start(project_key, phase_key) if ev.met else None
    return Signed(ev.met, ev.waiting_for(), started, phase_key)


def _phase_of(project_key: str, gate_key: str) -> str:
    with session_scope() as s:
        return lookup.gate_def(lookup.project(s, project_key), gate_key)[0].key


def run_phase(who: Principal, trigger: Trigger, *, project_key: str, phase_key: str) -> str:
    """Hand a phase to the trigger after checking who may run it and that it may run now."""
    authorized(who, Action.RUN_PHASE, {"project_key": project_key})
    with session_scope() as s:
        lookup.phase_def(lookup.project(s, project_key), phase_key)
        phases.check_runnable(s, project_key, phase_key)
    return trigger.start(project_key, phase_key)


def known_gate(project_key: str, gate_key: str) -> None:
    """NotFound unless the project and its gate exist (checked before a refusal is judged)."""
    with session_scope() as s:
        lookup.gate_record(s, lookup.project(s, project_key), gate_key)
