"""`implflow project …`, `implflow member …` and `implflow data …`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from implflow.cli import credentials
from implflow.cli.edge import ActorOpt, JsonOpt, console, edge, emit_json, safe, table
from implflow.services import actions, projects, records, views

project_app = typer.Typer(help="Create, list and show projects.", no_args_is_help=True)
member_app = typer.Typer(help="People and their roles on a project.", no_args_is_help=True)
data_app = typer.Typer(
    help="The project's data the gates check and documents show.", no_args_is_help=True
)


@project_app.command("create")
@edge
def create(
    key: str = typer.Argument(..., help="Short key, e.g. acme-erp."),
    name: str = typer.Option(..., help="Project name."),
    client: str = typer.Option(..., help="Client organisation."),
    system: str = typer.Option("ERP", help="ERP, CRM or MES."),
    locale: str = typer.Option("en", help="en or zh-CN: the documents' language."),
    pack: str = typer.Option("standard", help="Methodology pack."),
    version: str = typer.Option(None, help="Pack version to pin (newest when omitted)."),
    overlay: Path = typer.Option(None, help="Tailoring overlay YAML."),
    actor: str = typer.Option("pmo", "--as", help="Handle of the person acting."),
) -> None:
    """Create a project pinned to a methodology pack version; phase 1 opens."""
    spec = projects.ProjectCreate(
        key=key,
        name=name,
        client=client,
        system=system,
        locale=locale,
        pack=pack,
        version=version,
        overlay_path=overlay,
    )
    proj = actions.run(projects.create_project, spec=spec, actor=actor)
    console.print(safe(f"created project {proj.key} ({proj.pack_name}@{proj.pack_version})"))


@project_app.command("list")
@edge
def list_(as_json: bool = JsonOpt) -> None:
    """List the projects."""
    rows = actions.in_session(views.project_list)
    if as_json:
        return emit_json(rows)
    table(
        "Projects",
        ["key", "name", "client", "system", "locale", "pack"],
        [list(r.values()) for r in rows],
    )


@project_app.command("show")
@edge
def show(key: str, as_json: bool = JsonOpt) -> None:
    """Show a project: its pack, phases and members."""

    info = actions.in_session(lambda s: views.project_info(s, key))
    if as_json:
        return emit_json(info)
    console.print(
        f"[bold]{safe(info['name'])}[/bold] ({info['key']}) for {safe(info['client'])}, "
        f"{info['system']}, {safe(info['pack'])}, locale {info['locale']}"
    )
    table("Phases", ["phase", "title", "status"], [p.values() for p in info["phases"]])
    table("Members", ["handle", "name", "role"], [m.values() for m in info["members"]])


@member_app.command("add")
@edge
def member_add(
    project: str,
    handle: str,
    role: str = typer.Option(..., help="Role key from the pack, e.g. consultant_lead."),
    name: str = typer.Option(None, help="Full name (needed the first time)."),
) -> None:
    """Give a person a role on a project (creates the person on first use), as the logged-in
    person: the pack says which roles may (admins may too)."""
    who = credentials.current(required=False)
    actions.run(
        projects.add_member, project_key=project, handle=handle, role=role, name=name, actor=who
    )
    console.print(safe(f"{handle} is {role} on {project}"))


@data_app.command("set")
@edge
def data_set(
    project: str,
    kind: str,
    key: str,
    fields: str = typer.Argument(..., help='JSON object, e.g. \'{"name": "Finance"}\'.'),
    actor: str = ActorOpt,
) -> None:
    """Insert or replace one record of the project's data."""
    try:
        data = json.loads(fields)
    except json.JSONDecodeError as exc:
        from implflow.core.errors import InvalidInput

        raise InvalidInput(f"fields are not valid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        from implflow.core.errors import InvalidInput

        raise InvalidInput("fields are nested too deeply to be a record") from None
    n = actions.run(
        records.upsert_many, project_key=project, records={kind: {key: data}}, actor=actor
    )
    console.print(safe(f"{kind}/{key}: {'saved' if n else 'unchanged'}"))


@data_app.command("import")
@edge
def data_import(project: str, path: Path, actor: str = ActorOpt) -> None:
    """Import records from a YAML file shaped {kind: {key: {field: value}}}, all or nothing."""
    n = actions.run(
        records.upsert_many, project_key=project, records=records.load_file(path), actor=actor
    )
    console.print(f"{n} records saved")


@data_app.command("list")
@edge
def data_list(project: str, kind: str = typer.Argument(None), as_json: bool = JsonOpt) -> None:
    """List the project's records, optionally of one kind."""
    data = actions.in_session(lambda s: records.listing(s, project_key=project, kind=kind))
    if as_json:
        return emit_json(data)
    for k, rows in data.items():
        table(
            k,
            ["#", "record"],
            [(i + 1, json.dumps(r, ensure_ascii=False)) for i, r in enumerate(rows)],
        )
