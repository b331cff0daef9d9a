"""Entry points that run flows in-process; store checks happen before Prefect is imported."""

from __future__ import annotations

from typing import Any

from implflow.services import lookup, phases
from implflow.store.db import session_scope


def run_phase(project_key: str, phase_key: str) -> Any:
    """Run one phase flow; refused (Conflict) when an earlier gate has not passed."""
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

    prepare()
    from implflow.flows.health import health_check

    health_check.serve(name=f"health-{project_key}", cron=cron, parameters={"project": project_key})


class _Done:
    """Stands for a final state when no flow had to run."""

    name = "PhasePassed"

    def __init__(self, message: str) -> None:
        self.message = message
