"""Building a governed project and tampering with it the way an insider with SQL access would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gate_helpers import GATE, SRS_DATA, complete_items, open_gate
from sqlalchemy import text

from implflow.services import actions, audit_check, evidence, gates, phases, records
from implflow.store.db import get_engine, session_scope

EVIDENCE_ITEM = "departments-interviewed"


def governed_project(make_project: Any, tmp_path: Path, *, passed: bool = True) -> str:
    """A project at its SRS gate: records, items (one with a stored file), a waiver, and when
    `passed`, two sign-offs and frozen documents."""
    key = make_project()
    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    open_gate(key)
    complete_items(key)
    notes = tmp_path / "interview notes.pdf"
    notes.write_bytes(b"%PDF-1.4 interview notes\n" * 100)
    actions.run(
        gates.complete_item,
        project_key=key,
        gate_key=GATE,
        item_key=EVIDENCE_ITEM,
        actor="zhao.cons",
        evidence=evidence.store_file(key, notes),
    )
    actions.run(
        gates.waive_item,
        project_key=key,
        gate_key=GATE,
        item_key="srs-reviewed-by-key-users",
        actor="wang.pmo",
        reason="key users signed the SRS walk-through on paper",
    )
    if passed:
        for actor, role in (("chen.lead", "consultant_lead"), ("zhou.sponsor", "client_sponsor")):
            actions.sign(project_key=key, gate_key=GATE, actor=actor, role=role, advance=False)
        with session_scope() as s:
            phases.pass_gate(s, project_key=key, gate_key=GATE, actor="implflow")
    return key


def problems(key: str | None = None) -> list[str]:
    with session_scope() as s:
        return audit_check.verify(s, key)


def sql(statement: str, **params: Any) -> list[Any]:
    """Run SQL behind implflow's back (no session hooks), returning rows if any."""
    with get_engine().begin() as con:
        result = con.execute(text(statement), params)
        return list(result) if result.returns_rows else []


def one(statement: str, **params: Any) -> Any:
    return sql(statement, **params)[0][0]
