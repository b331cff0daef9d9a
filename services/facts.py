"""Reading a gate's state from the store into the pure rules' GateFacts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session, col, select

from implflow.gates.registry import RecordsData, evaluate_criterion
from implflow.gates.rules import (
    Approval,
    CriterionResult,
    Evaluation,
    GateFacts,
    evaluate,
    valid_approval,
)
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


@dataclass(frozen=True)
class GateRead:
    """What one action reads of a gate, once: who did what, sign-offs, records, documents."""

    handles: dict[int, str]
    entries: tuple[ChecklistEntry, ...]
    waivers: tuple[Waiver, ...]
    signoffs: tuple[SignOff, ...]  # every sign-off: voided ones and rejections too
    records: dict[str, list[dict[str, Any]]]  # by kind (empty when not asked for)
    documents: dict[str, Document]  # the newest of each 'doc.fmt'


def read(
    session: Session, proj: Project, rec: GateRecord, *, with_records: bool = True
) -> GateRead:
    """Read the gate's rows in one query each; pass the value down instead of reading again."""
    return GateRead(
        handles=dict(session.exec(select(Person.id, Person.handle)).all()),  # type: ignore[arg-type]
        entries=tuple(session.exec(select(ChecklistEntry).where(ChecklistEntry.gate_id == rec.id))),
        waivers=tuple(session.exec(select(Waiver).where(Waiver.gate_id == rec.id))),
        signoffs=tuple(
            session.exec(select(SignOff).where(SignOff.gate_id == rec.id).order_by(col(SignOff.id)))
        ),
        records=records.by_kind(session, proj) if with_records else {},
        documents=latest_documents(session, rec),
    )


def facts_from(
    r: GateRead, gate: Gate, docs: dict[str, str] | None = None, *, with_criteria: bool = True
) -> GateFacts:
    """The pure rules' facts from one read; `docs` overrides the stored shas (a fresh render)."""
    data = RecordsData(r.records)
    return GateFacts(
        done={e.item_key: r.handles[e.person_id] for e in r.entries},
        waived={w.item_key: w.reason for w in r.waivers},
        waived_by={w.item_key: r.handles[w.person_id] for w in r.waivers},
        approvals=tuple(
            Approval(r.handles[s.person_id], s.role, dict(s.documents))
            for s in r.signoffs
            if s.decision == "approve" and not s.voided
        ),
        criteria=(
            {c.key: evaluate_criterion(c.function, data, c.params) for c in gate.criteria}
            if with_criteria
            else {}
        ),
        documents=docs
        if docs is not None
        else {k: d.sha256 for k, d in r.documents.items() if d.doc_key in gate.documents},
    )


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
    r = read(session, proj, rec, with_records=with_criteria)
    return facts_from(r, gate, docs, with_criteria=with_criteria)


def evaluation(session: Session, proj: Project, rec: GateRecord, gate: Gate) -> Evaluation:
    return evaluate(gate, gather(session, proj, rec, gate))


def after_signing(
    gate: Gate, facts: GateFacts, handle: str, role: str, shas: dict[str, str]
) -> Evaluation:
    """The gate once `handle` approved for `role` on the documents `shas` (no second read):
    their earlier approval for the role is replaced, approvals of changed documents voided."""
    kept = tuple(
        a
        for a in facts.approvals
        if (a.handle, a.role) != (handle, role) and valid_approval(a, shas)
    )
    now = replace(facts, approvals=(*kept, Approval(handle, role, dict(shas))), documents=shas)
    return evaluate(gate, now)
