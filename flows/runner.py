"""Entry points that run flows in-process; store checks happen before Prefect is imported.

A flow's final state is turned into a domain error here and only here: `raise_if_failed`
makes a Failed or Crashed run a `FlowFailed` carrying the one-line `reason`, which the
faces translate (the CLI into exit code 9).
"""

from __future__ import annotations

from typing import Any

from implflow.core.errors import FlowFailed, ImplflowError
from implflow.services import lookup, phases, runs
from implflow.store.db import session_scope

REASON_MAX = 300


def run_phase(project_key: str, phase_key: str) -> Any:
    """Run one phase flow; refused (Conflict) when an earlier gate has not passed."""
    with session_scope() as s:
        runs.mark_stale(s)
    with session_scope() as s:
        st = phases.check_runnable(s, project_key, phase_key)
        if st.status == "passed":
            return _Done(f"phase {phase_key} has already passed")
    from implflow.flows.environment import prepare

    prepare()
    from implflow.flows.phase import run_phase_flow

    return run_phase_flow(project_key, phase_key)


def schedule_phase(project_key: str, phase_key: str) -> str:
    """Ask the served deployment `phase-<key>/<key>` to run; returns without waiting."""
    from implflow.flows.environment import prepare

    prepare()
    from prefect.deployments import run_deployment

    run = run_deployment(
        f"phase-{phase_key}/{phase_key}", parameters={"project": project_key}, timeout=0
    )
    return run.state.name if run.state else "Scheduled"


def run_engagement(project_key: str) -> Any:
    """Run the project's phases in order until one waits at its gate."""
    with session_scope() as s:
        runs.mark_stale(s)
    with session_scope() as s:
        proj = lookup.project(s, project_key)
        keys = [
            p.key
            for p in lookup.methodology(proj).phases
            if phases.state(s, proj, p.key).status != "passed"
        ]
    from implflow.flows.environment import prepare

    prepare()
    from implflow.flows.phase import engagement

    return engagement(project_key, keys, return_state=True)


def run_health(project_key: str) -> Any:
    """Run the health-check flow once."""
    with session_scope() as s:
        lookup.project(s, project_key)
    from implflow.flows.environment import prepare

    prepare()
    from implflow.flows.health import health_check

    return health_check(project_key, return_state=True)


def serve_health(project_key: str, cron: str) -> None:
    """Serve the health check on a cron schedule (needs a running Prefect server to schedule)."""
    with session_scope() as s:
        lookup.project(s, project_key)
    from implflow.flows.environment import prepare

    prepare(console_logs=True)  # runs in the foreground until stopped: its log is the output
    from implflow.flows.health import health_check

    health_check.serve(name=f"health-{project_key}", cron=cron, parameters={"project": project_key})


def raise_if_failed(state: Any, what: str) -> Any:
    """The final state itself, or FlowFailed with one line when the run failed or crashed."""
    if not (state.is_failed() or state.is_crashed()):
        return state
    exc = state.result(raise_on_failure=False)
    why = reason(exc) if isinstance(exc, BaseException) else (state.message or "")
    raise FlowFailed(f"{what}: flow run {state.name.lower()}: {why}".rstrip(": "))


def reason(exc: BaseException) -> str:
    """One line saying why a run failed (the traceback stays in Prefect's log)."""
    if isinstance(exc, ImplflowError):
        text = str(exc)
    elif isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    else:
        text = f"{type(exc).__name__}: {exc}"
    lines = text.strip().splitlines() or [type(exc).__name__]
    return lines[0][:REASON_MAX]


class _Done:
    """Stands for a final state when no flow had to run."""

    name = "PhasePassed"

    def __init__(self, message: str) -> None:
        self.message = message

    def is_failed(self) -> bool:
        return False

    def is_crashed(self) -> bool:
        return False
