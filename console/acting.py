"""Acting as a proven person: the console's one way into the services' unit of work.

Every write of a page or of the API comes here and runs as `services.actions.run(fn,
actor=principal, ...)`: the unit of work authorizes it by the pack's rules and audits a
refusal. A form drawn from an older version of the gate is refused under the project lock
before anything changes, and a phase that a write unblocks is handed to the trigger, never
run inside the request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session

from implflow.core.errors import ConcurrentUpdate
from implflow.services import actions, auth, lookup, phases
from implflow.services import gates as gate_service
from implflow.services.auth import Principal
from implflow.services.trigger import PhaseTrigger
from implflow.services.writes import Action, requires

T = TypeVar("T")
Trigger = PhaseTrigger


def stale_message(drawn: int, now: int) -> str:
    return (
        f"the gate changed since this page was drawn (version {drawn}, now {now}): "
        "reload the page; nothing was saved"
    )


def _unchanged_since(fn: Callable[..., T], expected: int) -> Callable[..., T]:
    """`fn` refused, under the project lock, when the gate's version is no longer `expected`
    (its name and its write mark kept: the unit of work authorizes and audits it as `fn`)."""

    @functools.wraps(fn)
    def guarded(session: Session, **kw: Any) -> T:
        proj = lookup.project(session, kw["project_key"], lock=True)
        rec = lookup.gate_record(session, proj, kw["gate_key"])
        if rec.version != expected:
            raise ConcurrentUpdate(stale_message(expected, rec.version))
        return fn(session, **kw)

    return guarded


def act(who: Principal, fn: Callable[..., T], /, version: int | None = None, **kw: Any) -> T:
    """Run the service `fn` as `who`; with `version`, only on that version of the gate."""
    call = fn if version is None else _unchanged_since(fn, version)
    return actions.run(call, actor=who, **kw)


@requires(Action.COMPLETE_ITEM)
def complete_item(session: Session, **kw: Any) -> None:
    """Nothing but the unit of work's check: may `actor` complete the item? (before an upload
    is stored)."""


def may_complete(who: Principal, *, project_key: str, gate_key: str, item_key: str) -> None:
    """Refuse (audited) before anything is stored when `who` may not complete the item."""
    actions.run(
        complete_item, actor=who, project_key=project_key, gate_key=gate_key, item_key=item_key
    )


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
        gate_service.sign,
        version=version,
        project_key=project_key,
        gate_key=gate_key,
        role=role,
        comment=comment,
    )
    phase_key = _phase_of(project_key, gate_key)
    started = (
        actions.start_phase(trigger, project_key=project_key, gate_key=gate_key) if ev.met else None
    )
    return Signed(ev.met, ev.waiting_for(), started, phase_key)


def _phase_of(project_key: str, gate_key: str) -> str:
    return actions.in_session(
        lambda s: lookup.gate_def(lookup.project(s, project_key), gate_key)[0].key
    )


@requires(Action.RUN_PHASE)
def run_phase_check(session: Session, *, project_key: str, phase_key: str, actor: str) -> None:
    """May the phase run now? (who may run it: the unit of work's check)."""
    lookup.phase_def(lookup.project(session, project_key), phase_key)
    phases.check_runnable(session, project_key, phase_key)


run_phase_check.__name__ = "run_phase"  # how a refusal is named in the audit log


def run_phase(who: Principal, trigger: Trigger, *, project_key: str, phase_key: str) -> str:
    """Hand a phase to the trigger after checking who may run it and that it may run now."""
    actions.run(run_phase_check, actor=who, project_key=project_key, phase_key=phase_key)
    return trigger.start(project_key, phase_key)


def known_gate(project_key: str, gate_key: str) -> None:
    """NotFound unless the project and its gate exist (checked before a refusal is judged)."""
    actions.in_session(lambda s: lookup.gate_record(s, lookup.project(s, project_key), gate_key))
