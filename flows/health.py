"""The scheduled post go-live health check flow."""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed, State

from implflow.artifacts.safemd import md_cell
from implflow.services import health
from implflow.store.db import session_scope


@task
def check(project: str) -> dict:  # type: ignore[type-arg]
    """Evaluate the health criteria and keep the result in the store."""
    with session_scope() as s:
        return health.run_checks(s, project_key=project, actor="health-check")


@flow(name="health-check", flow_run_name="{project}")
def health_check(project: str) -> State:
    """Re-evaluate a live project's operational health; publish the findings."""
    outcome = check(project)
    rows = "\n".join(
        f"| {name} | {'ok' if c['ok'] else 'ATTENTION'} | {md_cell(c['detail'])} |"  # user text
        for name, c in outcome["checks"].items()
    )
    create_markdown_artifact(
        key=f"{project}-health"[:100],
        markdown=f"# Health check {project} ({outcome['at']})\n\n| check | result | detail |\n"
        f"|---|---|---|\n{rows}\n",
    )
    name = "Healthy" if outcome["healthy"] else "NeedsAttention"
    failing = [n for n, c in outcome["checks"].items() if not c["ok"]]
    return Completed(name=name, message=", ".join(failing) or "all checks pass")
