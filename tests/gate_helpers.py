"""Helpers for service tests: SRS data that satisfies the gate's criteria, reaching a gate."""

from __future__ import annotations

from typing import Any

from implflow.services import actions, gates, lookup, phases
from implflow.services.auth import Principal
from implflow.store.db import session_scope
from implflow.store.models import Person, utcnow

GATE = "srs-signoff"

SRS_DATA: dict[str, dict[str, dict[str, Any]]] = {
    "department": {
        "fin": {"name": "Finance", "head": "Qian Li", "interviewed": True},
        "prod": {"name": "Production", "head": "Tang Bo", "interviewed": True},
    },
    "process": {
        "p2p": {
            "name": "Procure to pay",
            "department": "Finance",
            "as_is": "paper POs",
            "to_be": "PO approval in ERP",
            "gap": "approval workflow",
            "as_is_map": "maps/p2p-asis.bpmn",
            "to_be_map": "maps/p2p-tobe.bpmn",
        },
    },
    "requirement": {
        "R-001": {
            "code": "R-001",
            "title": "Three-way match",
            "department": "Finance",
            "priority": "must",
            "acceptance": "Invoice blocked when qty differs > 2%",
        },
    },
    "risk": {
        "k1": {
            "title": "Dirty vendor master",
            "likelihood": "high",
            "impact": "high",
            "owner": "wu.data",
            "contingency": "Cleanse in two waves",
        },
    },
}


def open_gate(key: str, gate: str = GATE) -> None:
    with session_scope() as s:
        phases.arrive(s, project_key=key, gate_key=gate, actor="implflow")


def complete_items(key: str, gate: str = GATE, who: tuple[str, ...] = ("zhao.cons", "sun.cons")):
    """Complete every required item, alternating between the given people."""
    with session_scope() as s:
        g = lookup.gate_def(lookup.project(s, key), gate)[1]
    required = [i for i in g.checklist if i.required]
    for n, item in enumerate(required):
        actions.run(
            gates.complete_item,
            project_key=key,
            gate_key=gate,
            item_key=item.key,
            actor=who[n % len(who)],
            note="done",
            url="https://wiki.example/evidence" if item.evidence else None,
        )
    return [i.key for i in required]


def principal(handle: str, *, admin: bool = False, pmo: bool = False) -> Principal:
    """A person of the store as proven just now (how is the auth tests' business, not these)."""
    from sqlmodel import select

    with session_scope() as s:
        who = s.exec(select(Person).where(Person.handle == handle)).one()
    assert who.id is not None
    return Principal(handle, who.id, who.name, admin, pmo, "password", proven_at=utcnow())


PW = "correct horse battery"
ADMIN = "root.admin"


def token_for(handle: str) -> str:
    """A fresh log-in token of `handle`: accounts made on first use (root.admin, then theirs)."""
    from implflow.services import auth
    from implflow.services.auth.lookup import find_account

    with session_scope() as s:
        if auth.bootstrap_needed(s):
            auth.create_account(
                s, actor=None, handle=ADMIN, password=PW, name="Root Admin", is_admin=True
            )
    root = auth.authenticate_password(handle=ADMIN, password=PW)
    with session_scope() as s:
        if find_account(s, handle) is None:
            auth.create_account(s, actor=root, handle=handle, password=PW)
    return auth.login(handle=handle, password=PW, token_name="test").secret
