"""`implflow demo`: a sample ERP project through all five phases, as the team would run it.

Consultants complete checklists, the client rejects the SRS once and signs after the rework,
the PMO waives one item, and every last signature runs the phase flow on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from implflow.cli.edge import console, safe, table
from implflow.flows.triggers import InProcessTrigger
from implflow.methodology.schema import Gate
from implflow.services import actions, gates, lookup, projects, records, views

DATA = Path(__file__).parent / "demo_data" / "acme-erp.yaml"
CONSULTANTS = ("zhao.cons", "sun.cons")


def run_demo(locale: str = "en") -> str:
    """Run the whole engagement; returns the project key."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    key = _create(data, locale)
    console.rule(f"[bold]implflow demo: {key}")
    _requirements(key, data)
    _phase(key, "design", data["design"], waive=True)
    _register_migration(key)
    _phase(key, "migration", data["migration"])
    _phase(key, "training-golive", data["training"])
    _phase(key, "acceptance", data["acceptance"])
    _summary(key)
    return key


def _create(data: dict[str, Any], locale: str) -> str:
    key = actions.in_session(lambda s: views.free_key(s, "demo-erp"))
    p = data["project"]
    spec = projects.ProjectCreate(
        key=key, name=p["name"], client=p["client"], system=p["system"], locale=locale
    )
    actions.run(projects.create_project, spec=spec, actor="wang.pmo")
    for handle, name, role in data["team"]:
        actions.run(
            projects.add_member,
            project_key=key,
            handle=handle,
            role=role,
            name=name,
            actor="wang.pmo",
        )
    console.print(f"created {key}: {p['name']} for {p['client']} ({len(data['team'])} people)")
    return key


def _import(key: str, recs: dict[str, Any], actor: str = "chen.lead") -> None:
    n = actions.run(records.upsert_many, project_key=key, records=recs, actor=actor)
    console.print(f"  {n} records entered by {actor}")


def _run(key: str, phase: str) -> str:
    from implflow.flows.runner import run_phase

    state = run_phase(key, phase)
    console.print(f"  flow phase-{phase}: [cyan]{state.name}[/cyan] ({state.message})")
    return state.name


def _waiting_gate(key: str, phase: str) -> str:
    gate = actions.in_session(lambda s: views.open_gate_of(s, key, phase))
    assert gate is not None, f"phase {phase} waits at no open gate"
    return gate


def _gate(key: str, gate: str) -> Gate:
    return actions.in_session(lambda s: lookup.gate_def(lookup.project(s, key), gate)[1])


def _complete_items(key: str, gate: str, waive: bool) -> None:
    items = [i for i in _gate(key, gate).checklist if i.required]
    if waive:
        last = items.pop()
        actions.run(
            gates.waive_item,
            project_key=key,
            gate_key=gate,
            item_key=last.key,
            actor="wang.pmo",
            reason="Covered by the UAT plan; agreed in the steering committee of 2026-05-20",
        )
        console.print(f"  {gate}/{last.key}: waived by wang.pmo with a reason")
    for n, item in enumerate(items):
        actions.run(
            gates.complete_item,
            project_key=key,
            gate_key=gate,
            item_key=item.key,
            actor=CONSULTANTS[n % 2],
            note="Checked against the working papers",
            url=f"https://wiki.example.com/{key}/{gate}/{item.key}" if item.evidence else None,
        )
    console.print(
        f"  {gate}: {len(items)} checklist items completed by {' and '.join(CONSULTANTS)}"
    )


def _sign_all(key: str, gate: str) -> None:
    members = actions.in_session(lambda s: views.project_info(s, key))["members"]
    for role in _gate(key, gate).signoff.roles:
        who = next(m["handle"] for m in members if m["role"] == role)
        out = actions.sign(
            project_key=key,
            gate_key=gate,
            actor=who,
            role=role,
            comment="Reviewed and approved",
            trigger=InProcessTrigger(),
        )
        tail = f"; phase flow ran: [cyan]{out.advanced}[/cyan]" if out.advanced else ""
        console.print(f"  {gate}: signed by {who} ({role}){tail}")


def _requirements(key: str, data: dict[str, Any]) -> None:
    console.rule("Phase 1: requirements research and process mapping")
    _run(key, "requirements")
    _import(key, data["requirements"])
    _complete_items(key, "srs-signoff", waive=False)
    try:
        actions.sign(
            project_key=key, gate_key="srs-signoff", actor="zhao.cons", role="client_sponsor"
        )
    except Exception as exc:  # noqa: BLE001 - shown, then the demo goes on
        console.print(f"  refused and audited: {safe(exc)}")
    actions.sign(
        project_key=key,
        gate_key="srs-signoff",
        actor="chen.lead",
        role="consultant_lead",
        comment="SRS complete",
        trigger=InProcessTrigger(),
    )
    console.print("  srs-signoff: signed by chen.lead (consultant_lead)")
    reason = "R-008 must cover shifts without Wi-Fi: state the offline capacity"
    actions.run(
        gates.reject,
        project_key=key,
        gate_key="srs-signoff",
        actor="zhou.sponsor",
        role="client_sponsor",
        reason=reason,
    )
    console.print(f"  srs-signoff: [red]rejected[/red] by zhou.sponsor: {reason}")
    _import(key, data["requirements_rework"])
    console.print("  rework: R-008 acceptance criterion now states the offline queue")
    _sign_all(key, "srs-signoff")


def _phase(key: str, phase: str, recs: dict[str, Any], waive: bool = False) -> None:
    title = actions.in_session(lambda s: lookup.phase_def(lookup.project(s, key), phase)).title
    title = title.get("en")
    console.rule(f"Phase: {title}")
    _import(key, recs)
    state = _run(key, phase)
    while state == "AwaitingSignoff":
        gate = _waiting_gate(key, phase)
        _complete_items(key, gate, waive)
        waive = False
        _sign_all(key, gate)
        state = "PhasePassed" if _phase_passed(key, phase) else "AwaitingSignoff"


def _register_migration(key: str) -> None:
    """Generate the legacy orders (20,000 dirty rows) and register their migration spec."""
    from implflow.core.settings import get_settings
    from implflow.datamigration.sample import write_csv, write_spec

    folder = get_settings().home_dir / "demo-data" / key
    folder.mkdir(parents=True, exist_ok=True)
    exp = write_csv(folder / "legacy.csv", 20_000, bad=0.002)
    spec = write_spec(folder, "sqlite:///target.db", batch_size=2000)
    _import(key, {"migration_spec": {"orders": {"path": str(spec)}}}, actor="wu.data")
    console.print(
        f"  legacy orders: {exp.rows:,} dirty rows in {folder / 'legacy.csv'}; "
        "the phase flow migrates and reconciles them"
    )


def _phase_passed(key: str, phase: str) -> bool:
    return actions.in_session(lambda s: views.phase_status(s, key, phase)) == "passed"


def _summary(key: str) -> None:
    console.rule("Result")
    end = actions.in_session(lambda s: views.outcome(s, key))
    problems = end["problems"]
    table(
        "Gates",
        ["gate", "status", "passed at"],
        end["gates"],
    )
    console.print("[bold]Frozen documents[/bold] (HTML; the Markdown beside each):")
    for gate, doc, path in end["frozen"]:
        console.print(safe(f"  {gate:24} {doc:21} {path}"), highlight=False, soft_wrap=True)
    console.print(
        "audit verify: " + ("[green]intact[/green]" if not problems else "; ".join(problems))
    )
