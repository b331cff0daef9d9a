"""The `implflow` console script. Store-only commands never import Prefect."""

from __future__ import annotations

import typer

from implflow.cli.auth import register as register_auth
from implflow.cli.console import register as register_console
from implflow.cli.edge import JsonOpt, console, edge, emit_json, fail, safe, table
from implflow.cli.gates import gate_app
from implflow.cli.migrate import migrate_app
from implflow.cli.projects import data_app, member_app, project_app
from implflow.services import actions, audit_check, portfolio, views

app = typer.Typer(
    help="implflow: drive implementation projects through a gated five-phase methodology.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(project_app, name="project")
app.add_typer(member_app, name="member")
app.add_typer(data_app, name="data")
app.add_typer(gate_app, name="gate")
phase_app = typer.Typer(help="Run phase flows.", no_args_is_help=True)
app.add_typer(phase_app, name="phase")
artifacts_app = typer.Typer(help="Rendered documents.", no_args_is_help=True)
app.add_typer(artifacts_app, name="artifacts")
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@phase_app.command("run")
@edge
def phase_run(project: str, phase: str) -> None:
    """Run a phase as a Prefect flow; it stops at its gate until the gate is met."""
    from implflow.flows.runner import raise_if_failed, run_phase

    state = raise_if_failed(run_phase(project, phase), f"{project} {phase}")
    console.print(safe(f"{project} {phase}: {state.name}: {state.message}"))


@phase_app.command("engage")
@edge
def phase_engage(project: str) -> None:
    """Run the project's open phases in order until one waits at its gate."""
    from implflow.flows.runner import raise_if_failed, run_engagement

    state = raise_if_failed(run_engagement(project), project)
    console.print(safe(f"{project}: {state.name}: {state.message}"))


@app.command("status")
@edge
def status(as_json: bool = JsonOpt) -> None:
    """The portfolio: each project's phase, gate, what and whom it waits for, days waiting."""
    rows = actions.in_session(portfolio.portfolio)
    if as_json:
        return emit_json([r.model_dump() for r in rows])
    table(
        "Portfolio",
        ["project", "phase", "gate", "waits for", "whom", "days", "overdue", "last run"],
        [
            (
                r.project,
                r.phase,
                r.gate,
                r.waiting_for,
                ", ".join(r.whom),
                r.days_waiting,
                "yes" if r.overdue else "",
                r.last_run.line() if r.last_run else "",
            )
            for r in rows
        ],
    )


@artifacts_app.command("list")
@edge
def artifacts_list(project: str, as_json: bool = JsonOpt) -> None:
    """List a project's documents: gate, version, status, sha256, path."""
    docs = actions.in_session(lambda s: views.document_list(s, project))
    if as_json:
        return emit_json(docs)
    table(
        f"Documents of {project}",
        ["gate", "document", "fmt", "v", "status", "sha256", "path"],
        [
            (
                d["gate"],
                d["document"],
                d["format"],
                d["version"],
                d["status"],
                d["sha256"][:12],
                d["path"],
            )
            for d in docs
        ],
    )


@audit_app.command("verify")
@edge
def audit_verify(project: str = typer.Argument(None), as_json: bool = JsonOpt) -> None:
    """Exit 0 when chains, anchor, governed rows, files and packs are intact; else name each."""
    problems = actions.in_session(lambda s: audit_check.verify(s, project))
    if as_json:
        emit_json({"intact": not problems, "problems": problems})
    elif not problems:
        console.print("audit intact: chains, anchor, governed rows, signed heads, files, packs")
    if problems:
        if not as_json:
            for p in problems[:-1]:
                console.print(f"[red]{safe(p)}[/red]", highlight=False)
            fail(problems[-1], 5)
        raise typer.Exit(5)


health_app = typer.Typer(help="Post go-live health checks.", no_args_is_help=True)
app.add_typer(health_app, name="health")


@health_app.command("run")
@edge
def health_run(project: str) -> None:
    """Run the health-check flow once for a project."""
    from implflow.flows.runner import run_health

    state = run_health(project)
    console.print(safe(f"{project}: {state.name}: {state.message}"))


@health_app.command("serve")
@edge
def health_serve(
    project: str,
    cron: str = typer.Option("0 6 * * 1", help="Schedule (cron), default Mondays 06:00."),
) -> None:
    """Serve the health-check flow on a schedule for a project (runs until stopped)."""
    from implflow.flows.runner import serve_health

    serve_health(project, cron)


@app.command("demo")
@edge
def demo(
    locale: str = typer.Option("en", help="Language of the documents: en or zh-CN."),
) -> None:
    """Run a sample ERP project through all five phases, with nothing to start by hand."""
    from implflow.cli.demo import run_demo

    run_demo(locale)


app.add_typer(migrate_app, name="migrate")
register_auth(app)  # login, logout, whoami, user, token
register_console(app)  # console: the web console and JSON API


def main() -> None:
    app()
