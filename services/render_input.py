"""Building the artifacts' typed render input from store rows."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from implflow.methodology.schema import Gate, Phase
from implflow.services import facts as facts_
from implflow.store.models import ChecklistEntry, GateRecord, Person, Project, SignOff, Waiver


def project_info(proj: Project) -> Any:
    from implflow.artifacts.context import ProjectInfo

    return ProjectInfo(
        key=proj.key,
        name=proj.name,
        client=proj.client,
        system=proj.system,
        locale=proj.locale,
        pack_name=proj.pack_name,
        pack_version=proj.pack_version,
    )


def _names(session: Session) -> dict[int, str]:
    return dict(session.exec(select(Person.id, Person.handle)).all())  # type: ignore[arg-type]


def gate_info(session: Session, proj: Project, rec: GateRecord, phase: Phase, gate: Gate) -> Any:
    from implflow.artifacts.context import ChecklistLine, CriterionLine, GateInfo

    loc = proj.locale
    handles = _names(session)
    done = {
        e.item_key: e
        for e in session.exec(select(ChecklistEntry).where(ChecklistEntry.gate_id == rec.id))
    }
    waived = {w.item_key: w for w in session.exec(select(Waiver).where(Waiver.gate_id == rec.id))}
    lines = []
    for item in gate.checklist:
        e, w = done.get(item.key), waived.get(item.key)
        lines.append(
            ChecklistLine(
                key=item.key,
                text=item.text.get(loc),
                required=item.required,
                state="done" if e else "waived" if w else "open",
                by=handles[e.person_id] if e else handles[w.person_id] if w else "",
                at=_day(e.at if e else w.at if w else None),
                note=e.note if e else (w.reason if w else ""),
                evidence=(e.evidence_url or _evidence_name(e)) if e else "",
            )
        )
    results = facts_.criteria(session, proj, gate)
    crits = [
        CriterionLine(
            key=c.key,
            title=c.title.get(loc),
            ok=results[c.key].ok,
            detail=results[c.key].detail,
            function=c.function,
            params=c.params,
        )
        for c in gate.criteria
    ]
    return GateInfo(
        key=gate.key,
        title=gate.title.get(loc),
        phase_key=phase.key,
        phase_title=phase.title.get(loc),
        status=rec.status,
        checklist=lines,
        criteria=crits,
    )


def _evidence_name(e: ChecklistEntry) -> str:
    if not e.evidence_path:
        return ""
    name = e.evidence_name or e.evidence_path.rsplit("/", 1)[-1]  # stored under its sha256
    return f"{name} (sha256 {e.evidence_sha256})"


def _day(at: Any) -> str:
    return at.date().isoformat() if at is not None else ""


def signatures(session: Session, rec: GateRecord) -> list[Any]:
    from implflow.artifacts.context import SignatureLine

    people = {p.id: p for p in session.exec(select(Person))}
    rows = session.exec(select(SignOff).where(SignOff.gate_id == rec.id).order_by(col(SignOff.id)))
    return [
        SignatureLine(
            person=people[s.person_id].handle,
            name=people[s.person_id].name,
            role=s.role,
            decision=s.decision,
            comment=s.comment,
            at=s.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            documents=dict(s.documents),
            voided=s.voided,
            audit_head=f"#{s.chain_seq} {s.chain_hash}" if s.chain_seq else "",
        )
        for s in rows
    ]
