"""The phase flows' tasks: each a thin step over the services, one transaction per step."""

from __future__ import annotations

import hashlib
import json

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import INPUTS, TASK_SOURCE
from sqlmodel import select

from implflow.services import documents, lookup, phases, records, runs, uow
from implflow.store.models import ChecklistEntry, Waiver

ACTOR = "implflow"


@task
def fingerprint(project_key: str, gate_key: str) -> str:
    """A hash of everything the gate's documents are made from: records and checklist state."""
    with uow.transaction(ACTOR) as s:
        proj = lookup.project(s, project_key)
        rec = lookup.gate_record(s, proj, gate_key)
        state = {
            "project": [proj.id, proj.created_at.isoformat()],  # another store, another project
            "records": records.by_kind(s, proj),
            "entries": [
                (e.item_key, e.person_id, e.note, e.evidence_sha256, e.evidence_url)
                for e in s.exec(select(ChecklistEntry).where(ChecklistEntry.gate_id == rec.id))
            ],
            "waivers": [
                (w.item_key, w.reason)
                for w in s.exec(select(Waiver).where(Waiver.gate_id == rec.id))
            ],
        }
    raw = json.dumps(state, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()


@task(cache_policy=INPUTS + TASK_SOURCE, persist_result=True)
def prepare_gate(project_key: str, gate_key: str, fingerprint: str) -> dict[str, str]:
    """Reach the gate and render its drafts; cached while the fingerprint stays the same."""
    return uow.run(phases.arrive, project_key=project_key, gate_key=gate_key, actor=ACTOR)


@task(cache_policy=INPUTS + TASK_SOURCE, persist_result=True)
def publish(project_key: str, gate_key: str, shas: dict[str, str]) -> list[str]:
    """Publish the gate's Markdown documents to Prefect as artifacts."""
    keys = []
    with uow.transaction(ACTOR) as s:
        rec = lookup.gate_record(s, lookup.project(s, project_key), gate_key)
        latest = documents.facts_.latest_documents(s, rec)
    for name, doc in sorted(latest.items()):
        if doc.fmt != "md" or name not in shas:
            continue
        key = f"{project_key}-{gate_key}-{doc.doc_key}"[:100]
        with open(doc.path, encoding="utf-8") as fh:
            create_markdown_artifact(
                markdown=fh.read(),
                key=key,
                description=f"{doc.doc_key} v{doc.version} ({doc.status})",
            )
        keys.append(key)
    return keys


@task
def evaluate_gate(project_key: str, gate_key: str) -> tuple[bool, str]:
    """Whether the gate is met, and what it waits for."""
    with uow.transaction(ACTOR) as s:
        ev = phases.evaluate(s, project_key=project_key, gate_key=gate_key)
    return ev.met, ev.waiting_for()


@task
def pass_gate(project_key: str, gate_key: str) -> list[str]:
    """Freeze the gate's documents, mark it passed, open the next phase when due."""
    return uow.run(phases.pass_gate, project_key=project_key, gate_key=gate_key, actor=ACTOR)


@task
def record_start(project_key: str, phase_key: str, flow_run_id: str) -> None:
    """Record the flow run against the phase, and the process that runs it."""
    with uow.transaction(ACTOR) as s:
        runs.start(s, project_key=project_key, phase_key=phase_key, flow_run_id=flow_run_id)


def record_end(flow_run_id: str, outcome: str, message: str, cached: list[str]) -> None:
    """Record how the run ended and which steps it skipped as already done."""
    with uow.transaction(ACTOR) as s:
        runs.end(s, flow_run_id=flow_run_id, outcome=outcome, message=message, cached=cached)


@task
def pending(project_key: str, phase_key: str) -> list[str]:
    """The phase's gates that have not passed yet."""
    with uow.transaction(ACTOR) as s:
        return phases.pending_gates(s, project_key, phase_key)


@task
def runnable(project_key: str, phase_key: str) -> bool:
    """Whether the phase is open or already passed (not locked)."""
    with uow.transaction(ACTOR) as s:
        st = phases.state(s, lookup.project(s, project_key), phase_key)
    return st.status == "open"
