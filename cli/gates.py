"""`implflow gate …`: show, check, complete, waive, sign, reject."""

from __future__ import annotations

from pathlib import Path

import typer

from implflow.cli import credentials, remote
from implflow.cli.auth import signer
from implflow.cli.edge import JsonOpt, console, edge, emit_json, safe, table
from implflow.services import actions
from implflow.services import evidence as evidence_service
from implflow.services import gates as gate_service
from implflow.services.views import gate_view

gate_app = typer.Typer(help="Gate checklists, waivers and sign-offs.", no_args_is_help=True)


def _print_view(v: dict) -> None:  # type: ignore[type-arg]
    verdict = "[green]MET[/green]" if v["met"] else f"[yellow]waits for {v['waiting_for']}[/yellow]"
    console.print(
        f"[bold]{safe(v['title'])}[/bold] ({v['gate']}, phase {v['phase']}): {v['status']} — "
        f"{verdict}"
    )
    if v["last_rejection"]:
        console.print(f"last rejection: {safe(v['last_rejection'])}")
    table(
        "Checklist",
        ["item", "required", "state", "by", "text"],
        [
            (
                i["key"],
                "yes" if i["required"] else "no",
                i["state"],
                i["by"] or i["waiver"],
                i["text"],
            )
            for i in v["items"]
        ],
    )
    table(
        "Criteria",
        ["criterion", "ok", "detail"],
        [(c["key"], "yes" if c["ok"] else "NO", c["detail"]) for c in v["criteria"]],
    )
    table(
        "Sign-offs",
        ["person", "role", "decision", "at", "audit head", "void"],
        [
            (
                s["person"],
                s["role"],
                s["decision"],
                s["at"],
                (s["audit_head"] or "")[: len(v["project"]) + 18],
                s["void_reason"] if s["voided"] else "",
            )
            for s in v["signatures"]
        ],
    )
    console.print(
        f"required roles: {', '.join(v['required_roles'])}; "
        f"missing: {', '.join(v['missing_roles']) or 'none'}"
    )


@gate_app.command("show")
@edge
def show(project: str, gate: str, as_json: bool = JsonOpt) -> None:
    """Show a gate: checklist, computed criteria, sign-offs."""
    v = actions.in_session(lambda s: gate_view(s, project, gate))
    emit_json(v) if as_json else _print_view(v)


@gate_app.command("check")
@edge
def check(project: str, gate: str, as_json: bool = JsonOpt) -> None:
    """Evaluate a gate; exit 0 when met, 1 when it still waits."""
    v = actions.in_session(lambda s: gate_view(s, project, gate))
    if as_json:
        emit_json(
            {
                k: v[k]
                for k in (
                    "project",
                    "gate",
                    "status",
                    "met",
                    "waiting_for",
                    "open_items",
                    "failing_criteria",
                    "missing_roles",
                )
            }
        )
    else:
        console.print(safe(f"{gate}: {'met' if v['met'] else 'waits for ' + v['waiting_for']}"))
    raise typer.Exit(0 if v["met"] or v["status"] == "passed" else 1)


StdinOpt = typer.Option(
    False, "--password-stdin", help="Read your password (asked outside a fresh log-in) from stdin."
)


def _me() -> str:
    who = credentials.current(required=False)
    return who.handle if who else "nobody"


@gate_app.command("complete")
@edge
def complete(
    project: str,
    gate: str,
    item: str,
    note: str = typer.Option("", help="What was done."),
    evidence: Path = typer.Option(None, help="Evidence file to store with its sha256."),
    url: str = typer.Option(None, help="Evidence URL."),
) -> None:
    """Mark a checklist item done, as the logged-in person."""
    if (api := remote.api()) is not None:
        console.print(safe(remote.complete(api, project, gate, item, note, url, evidence)))
        return
    who = credentials.current(required=False)
    stored = evidence_service.store_file(project, evidence) if evidence else None  # no lock held
    actions.run(
        gate_service.complete_item,
        project_key=project,
        gate_key=gate,
        item_key=item,
        actor=who,
        note=note,
        evidence=stored,
        url=url,
    )
    console.print(safe(f"{gate}/{item}: done by {_me()}"))


@gate_app.command("waive")
@edge
def waive(
    project: str,
    gate: str,
    item: str,
    reason: str = typer.Option(..., help="Why the item is waived."),
) -> None:
    """Waive a checklist item, with a reason, by a role allowed to waive."""
    if (api := remote.api()) is not None:
        path = f"{remote.gate_path(project, gate)}/items/{item}/waive"
        console.print(safe(api.call("POST", path, json={"reason": reason})["detail"]))
        return
    actions.run(
        gate_service.waive_item,
        project_key=project,
        gate_key=gate,
        item_key=item,
        actor=credentials.current(required=False),
        reason=reason,
    )
    console.print(safe(f"{gate}/{item}: waived by {_me()}"))


@gate_app.command("sign")
@edge
def sign(
    project: str,
    gate: str,
    role: str = typer.Option(..., help="The role you sign for (or the paper signer's)."),
    comment: str = typer.Option("", help="Comment."),
    meaning: str = typer.Option(
        None, help="authored, reviewed or approved (default: the role's, from the pack)."
    ),
    on_behalf_of: str = typer.Option(
        None, "--on-behalf-of", help="Record the paper signature of this person (needs --scan)."
    ),
    scan: Path = typer.Option(None, help="The scanned signed page of a paper signature."),
    password_stdin: bool = StdinOpt,
    no_advance: bool = typer.Option(
        False, "--no-advance", help="Do not run the phase when this satisfies the gate."
    ),
) -> None:
    """Approve a gate for a role as the logged-in person (the password again outside a fresh
    log-in); the last signature runs the phase on."""
    if (api := remote.api()) is not None:
        return _sign_remote(api, project, gate, role, comment, on_behalf_of, password_stdin)
    from implflow.flows.triggers import from_settings  # Prefect itself only if a phase runs

    who, proof = signer(password_stdin)
    stored = evidence_service.store_file(project, scan) if scan else None  # no lock held
    out = actions.sign(
        project_key=project,
        gate_key=gate,
        actor=who,
        role=role,
        comment=comment,
        meaning=meaning,
        proven_by=proof,
        on_behalf_of=on_behalf_of,
        scan=stored,
        trigger=None if no_advance else from_settings(),
    )
    by = f"{on_behalf_of} (on paper, recorded by {_me()})" if on_behalf_of else _me()
    console.print(safe(f"{gate}: approved by {by} as {role}"))
    if out.met:
        console.print(
            f"{gate}: met" + (f"; phase flow ended {out.advanced}" if out.advanced else "")
        )
    else:
        console.print(safe(f"{gate}: waits for {out.waiting_for}"))


def _sign_remote(
    api: remote.Remote,
    project: str,
    gate: str,
    role: str,
    comment: str,
    on_behalf_of: str | None,
    from_stdin: bool,
) -> None:
    if on_behalf_of:
        from implflow.core.errors import InvalidInput

        raise InvalidInput("paper signatures are recorded against the store, not through the API")
    out = remote.signature(
        api,
        project,
        gate,
        "sign",
        {"role": role, "comment": comment},
        lambda: credentials.read_password("Your password (to sign)", from_stdin),
    )
    state = "met" if out["met"] else f"waits for {out['waiting_for']}"
    started = f"; phase {out['phase']}: {out['started']}" if out.get("started") else ""
    console.print(safe(f"{gate}: approved as {role}; {state}{started}"))


@gate_app.command("reject")
@edge
def reject(
    project: str,
    gate: str,
    role: str = typer.Option(..., help="The role you reject for."),
    reason: str = typer.Option(..., help="Why; the gate reopens with it."),
    password_stdin: bool = StdinOpt,
) -> None:
    """Reject a gate: it reopens with the reason and earlier approvals are void."""
    if (api := remote.api()) is not None:
        remote.signature(
            api,
            project,
            gate,
            "reject",
            {"role": role, "reason": reason},
            lambda: credentials.read_password("Your password", password_stdin),
        )
        console.print(safe(f"{gate}: rejected as {role}; approvals voided"))
        return
    who, _ = signer(password_stdin)
    actions.run(
        gate_service.reject,
        project_key=project,
        gate_key=gate,
        actor=who,
        role=role,
        reason=reason,
    )
    console.print(safe(f"{gate}: rejected by {_me()}; approvals voided"))
