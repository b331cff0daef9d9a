"""Whole actions as the faces call them: one transaction each, refusals audited, and the
phase advanced when the last signature satisfies its gate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from implflow.core.errors import ConcurrentUpdate
from implflow.core.settings import get_settings
from implflow.services import gates, lookup
from implflow.store import audit
from implflow.store.db import session_scope

T = TypeVar("T")


def run(action: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a service function in its own transaction; record a refusal after rolling back."""
    try:
        with session_scope() as session:
            return action(session, **kwargs)
    except gates.Refused as refusal:
        with session_scope() as session:
            lookup.project(session, refusal.project, lock=True)
            audit.append(
                session,
                chain=refusal.project,
                actor=refusal.actor,
                action=refusal.action,
                target=refusal.target,
                detail={"reason": str(refusal)},
            )
        raise
    except (SAIntegrityError, OperationalError) as exc:
        raise ConcurrentUpdate(f"the store refused the write, try again: {exc.orig}") from None


@dataclass(frozen=True)
class SignOutcome:
    met: bool
    waiting_for: str
    advanced: str | None  # the phase flow's final state name when the signature advanced it


def sign(
    *,
    project_key: str,
    gate_key: str,
    actor: str,
    role: str,
    comment: str = "",
    advance: bool = True,
) -> SignOutcome:
    """Sign a gate; when that satisfies it, run its phase again to freeze and move on."""
    ev = run(
        gates.sign,
        project_key=project_key,
        gate_key=gate_key,
        actor=actor,
        role=role,
        comment=comment,
    )
    state = None
    if ev.met and advance:
        state = advance_phase(project_key=project_key, gate_key=gate_key)
    return SignOutcome(ev.met, ev.waiting_for(), state)


def advance_phase(*, project_key: str, gate_key: str) -> str:
    """Run the gate's phase flow again (imports Prefect only now).

    In-process on the embedded default; through the served deployment when
    IMPLFLOW_TRIGGER=deployment, returning at once with the scheduled run's state.
    """
    with session_scope() as session:
        phase_key = lookup.gate_def(lookup.project(session, project_key), gate_key)[0].key
    if get_settings().trigger == "deployment":
        from implflow.flows.runner import schedule_phase

        return schedule_phase(project_key, phase_key)
    from implflow.flows.runner import run_phase

    return run_phase(project_key, phase_key).name


def in_session(fn: Callable[[Session], T]) -> T:
    """Run a read-only function in a session."""
    with session_scope() as session:
        return fn(session)
