"""Whole actions as the faces call them, through the one unit of work (`services.uow`).

`run(fn, **kw)` and `in_session(fn)` are the faces' entry (kept for every caller); `sign()`
hands the phase to the trigger the face gives when the last signature satisfies its gate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session

from implflow.services import gates, lookup, uow
from implflow.services.auth.principal import Principal
from implflow.services.trigger import PhaseTrigger
from implflow.services.uow import Actor

T = TypeVar("T")
__all__ = ["Actor", "SignOutcome", "in_session", "run", "sign", "start_phase"]


def run(action: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a service function as one unit of work (see `services.uow.run`)."""
    return uow.run(action, **kwargs)


def in_session(fn: Callable[[Session], T]) -> T:
    """Run a read-only function in a session."""
    return uow.read(fn)


@dataclass(frozen=True)
class SignOutcome:
    met: bool
    waiting_for: str
    advanced: str | None  # what the trigger said when the signature unblocked the phase


def sign(
    *,
    project_key: str,
    gate_key: str,
    actor: Actor | Principal | str | None,
    role: str,
    comment: str = "",
    trigger: PhaseTrigger | None = None,
    advance: bool = True,
    **signing: Any,
) -> SignOutcome:
    """Sign a gate; when that satisfies it, hand its phase to `trigger` (none: nothing runs).

    `signing` goes to `gates.sign`: meaning, proven_by, on_behalf_of and scan (paper).
    """
    ev = run(
        gates.sign,
        project_key=project_key,
        gate_key=gate_key,
        actor=actor,
        role=role,
        comment=comment,
        **signing,
    )
    state = None
    if ev.met and advance and trigger is not None:
        state = start_phase(trigger, project_key=project_key, gate_key=gate_key)
    return SignOutcome(ev.met, ev.waiting_for(), state)


def start_phase(trigger: PhaseTrigger, *, project_key: str, gate_key: str) -> str:
    """Hand the gate's phase to the trigger (in-process, a deployment, a worker)."""
    phase_key = uow.read(lambda s: lookup.gate_def(lookup.project(s, project_key), gate_key)[0].key)
    return trigger.start(project_key, phase_key)
