"""Reading a gate's state from the store into the pure rules' GateFacts."""

from __future__ import annotations

from sqlmodel import Session, col, select

from implflow.gates.registry import RecordsData, evaluate_criterion
from implflow.gates.rules import Approval, CriterionResult, Evaluation, GateFacts, evaluate
from implflow.methodology.schema import Gate
from implflow.services import records
from implflow.store.models import (
    ChecklistEntry,
    Document,
    GateRecord,
    Person,
    Project,
    SignOff,
    Waiver,
)


def criteria(session: Session, proj: Project, gate: Gate) -> dict[str, CriterionResult]:
    """Every computed criterion of the gate, evaluated on the project's records."""
    data = RecordsData(records.by_kind(session, proj))
    return {c.key: evaluate_criterion(c.function, data, c.params) for c in gate.criteria}


def latest_documents(session: Session, rec: GateRecord) -> dict[str, Document]:
    """The newest version of each of the gate's documents, keyed 'doc.fmt'."""
    stmt = (
        select(Document)
        .where(Document.project_id == rec.project_id, Document.gate_key == rec.gate_key)
        .order_by(col(Document.version))
    )
    return {f"{d.doc_key}.{d.fmt}": d for d in session.exec(stmt)}


def document_shas(session: Session, rec: GateRecord, gate: Gate) -> dict[str, str]:
    """sha256 of the gate's own documents (the sign-off record is not signed)."""
    return {
        k: d.sha256
        for k, d in latest_documents(session, rec).items()
        if d.doc_key in gate.documents
    }


def gather(
    session: Session,
    proj: Project,
    rec: GateRecord,
    gate: Gate,
    docs: dict[str, str] | None = None,
    *,
    with_criteria: bool = True,
) -> GateFacts:
    """The gate's facts; `docs` overrides the stored document shas (e.g. a fresh render)."""
    handles = dict(session.exec(select(Person.id, Person.handle)).all())
    done = {
        e.item_key: handles[e.person_id]
        for e in session.exec(select(ChecklistEntry).where(ChecklistEntry.gate_id == rec.id))
    }
    waivers = list(session.exec(select(Waiver).where(Waiver.gate_id == rec.id)))
    approvals = tuple(
        Approval(handles[s.person_id], s.role, dict(s.documents))
        for s in session.exec(
            select(SignOff).where(
                SignOff.gate_id == rec.id,
                SignOff.decision == "approve",
                col(SignOff.voided).is_(False),
            )
        )
    )
    return GateFacts(
        done=done,
        waived={w.item_key: w.reason for w in waivers},
        waived_by={w.item_key: handles[w.person_id] for w in waivers},
        approvals=approvals,
        criteria=criteria(session, proj, gate) if with_criteria else {},
        documents=docs if docs is not None else document_shas(session, rec, gate),
    )


def evaluation(session: Session, proj: Project, rec: GateRecord, gate: Gate) -> Evaluation:
    return evaluate(gate, gather(session, proj, rec, gate))
