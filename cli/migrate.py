"""`implflow migrate profile|pilot|run|reconcile SPEC`: the data-migration toolkit's commands."""

from __future__ import annotations

from pathlib import Path

import typer

from implflow.cli.edge import JsonOpt, console, edge, emit_json, table

migrate_app = typer.Typer(
    help="Data migration: profile, pilot, run, reconcile.", no_args_is_help=True
)
ProjectOpt = typer.Option(None, "--project", help="Record the reconciliation on this project.")
ActorOpt = typer.Option("implflow", "--as", help="Who records it.")


def _spec(path: Path):  # type: ignore[no-untyped-def]
    from implflow.datamigration.spec import load_spec

    return load_spec(path)


def _run(path: Path, mode: str, run_id: str | None, as_json: bool) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from implflow.datamigration.load import run

    spec = _spec(path)
    state = {"rows": 0, "rejected": 0}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn(
            "{task.completed:,} rows · {task.fields[rate]:,.0f} rows/s · "
            "{task.fields[rejected]:,} rejected"
        ),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=as_json, disable=as_json) as bar:
        task = bar.add_task(f"{mode} {spec.name}", total=None, rate=0, rejected=0)

        def progress(rows: int, rejected: int) -> None:
            state["rows"] += rows
            state["rejected"] += rejected
            elapsed = bar.tasks[0].elapsed or 1e-9
            bar.update(
                task,
                completed=state["rows"],
                rate=state["rows"] / elapsed,
                rejected=state["rejected"],
            )

        result = run(spec, mode, run_id, progress)
    if as_json:
        return emit_json(result.model_dump() | {"balanced": result.balanced})
    console.print(
        f"{result.run_id}: {result.rows_in:,} rows in → {result.migrated:,} migrated, "
        f"{result.quarantined:,} quarantined, {result.duplicates:,} duplicates "
        f"({'balanced' if result.balanced else 'NOT balanced'}); "
        f"{result.batches_skipped} finished batches skipped"
    )


@migrate_app.command("pilot")
@edge
def pilot(
    spec: Path,
    run_id: str = typer.Option(None, help="Resume this run id."),
    as_json: bool = JsonOpt,
) -> None:
    """Migrate the spec's deterministic sample, resumably."""
    _run(spec, "pilot", run_id, as_json)


@migrate_app.command("run")
@edge
def full(
    spec: Path,
    run_id: str = typer.Option(None, help="Resume this run id."),
    as_json: bool = JsonOpt,
) -> None:
    """Migrate every row in batches; a re-run skips the finished batches."""
    _run(spec, "full", run_id, as_json)


@migrate_app.command("profile")
@edge
def profile(
    spec: Path,
    as_json: bool = JsonOpt,
    out: Path = typer.Option(None, help="Write the Markdown profile here."),
    locale: str = typer.Option("en", help="en or zh-CN"),
) -> None:
    """Data-quality profile of the source: nulls, distinct values, duplicates, rejects."""
    from implflow.datamigration.profile import profile as build
    from implflow.datamigration.profile import render_profile

    p = build(_spec(spec))
    if out is not None:
        out.write_text(render_profile(p, locale), encoding="utf-8")
    if as_json:
        return emit_json(p.model_dump())
    table(
        f"Profile of {p.object}: {p.rows:,} rows, {p.duplicate_keys:,} duplicate keys",
        ["column", "blank", "distinct", "sample"],
        [(c.name, c.blank, c.distinct_label, ", ".join(c.samples[:3])) for c in p.columns],
    )
    table("Values the rules would reject", ["reason", "rows"], p.rejects.items())


@migrate_app.command("reconcile")
@edge
def reconcile(
    spec: Path,
    mode: str = typer.Option("full", help="pilot or full"),
    run_id: str = typer.Option(None),
    project: str = ProjectOpt,
    actor: str = ActorOpt,
    streaming: bool = typer.Option(False, help="Compare by streaming both sides locally."),
    as_json: bool = JsonOpt,
) -> None:
    """Reconcile a run on both legs, judged by the pack's thresholds (the project's with
    --project, which also records it for the migration gate; else the standard pack's)."""
    from implflow.datamigration.reconcile import reconcile as recon
    from implflow.services import actions
    from implflow.services import migration as svc

    r = recon(_spec(spec), mode, run_id, streaming)
    if project:
        v = actions.run(
            svc.record_reconciliation, project_key=project, recon=r.to_record(), actor=actor
        )
    else:
        v = svc.judge(r.to_record())
    if as_json:
        emit_json(
            r.model_dump()
            | {"balanced": r.balanced, "amounts_equal": r.amounts_equal}
            | {"passed": v.ok, "reasons": v.reasons}
        )
    else:
        _show(r, v)
    if not v.ok:
        raise typer.Exit(1)


def _show(r, v) -> None:  # type: ignore[no-untyped-def]
    console.print(
        f"{r.object} {r.stage}: {r.source_rows:,} source rows as read = {r.migrated:,} migrated "
        f"+ {r.rejected:,} rejected + {r.duplicates:,} duplicates "
        f"({'balanced' if r.balanced else 'NOT balanced'})"
    )
    rej, dup = r.amount_rejected_cents, r.amount_duplicate_cents
    src, tgt = r.amount_source_cents, r.amount_target_cents
    rows = []
    for c in sorted(set(src) | set(tgt) | set(rej) | set(dup)):
        read = src.get(c, 0) + rej.get(c, 0) + dup.get(c, 0)
        rows.append(
            (c, read, tgt.get(c, 0), rej.get(c, 0), dup.get(c, 0), src.get(c, 0) - tgt.get(c, 0))
        )
    table(
        "Amounts (cents)",
        ["currency", "source as read", "migrated", "rejected", "duplicates", "balance"],
        rows,
    )
    console.print(
        f"keys: {r.missing} missing, {r.extra} extra, {r.changed} changed {r.changed_columns or ''}"
    )
    console.print("passed" if v.ok else "FAILED: " + "; ".join(v.reasons), markup=False)
