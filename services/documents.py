"""Rendering a gate's documents into versioned files, and freezing them when the gate passes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from implflow.core.errors import Conflict
from implflow.core.settings import get_settings
from implflow.methodology.schema import Gate, Phase
from implflow.services import facts as facts_
from implflow.services import records
from implflow.store import audit
from implflow.store.models import (
    ChecklistEntry,
    Document,
    GateRecord,
    Person,
    Project,
    SignOff,
    Waiver,
    utcnow,
)

FORMATS = ("md", "html")
SIGNOFF_RECORD = "signoff-record"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def document_input(
    session: Session,
    proj: Project,
    rec: GateRecord,
    phase: Phase,
    gate: Gate,
    version: int,
    *,
    signoff: bool = False,
) -> Any:
    """The typed render input of a gate's documents, from the store.

    Signatures reach only the sign-off record: a document that showed them would change,
    and so void itself, with every signature.
    """
    from implflow.artifacts.context import DocumentInput
    from implflow.services.render_input import gate_info, project_info, signatures

    return DocumentInput(
        project=project_info(proj),
        gate=gate_info(session, proj, rec, phase, gate),
        records=records.by_kind(session, proj),
        signatures=signatures(session, rec) if signoff else [],
        documents=facts_.document_shas(session, rec, gate) if signoff else {},
        version=version,
    )


def render_drafts(
    session: Session, proj: Project, rec: GateRecord, phase: Phase, gate: Gate, *, actor: str
) -> dict[str, str]:
    """Render the gate's documents; store a new version only where the content changed.

    Approvals that covered a document now changed are voided. Returns 'doc.fmt' → sha256.
    """
    if rec.status == "passed":
        raise Conflict(f"gate {gate.key} has passed; its documents are frozen")
    latest = facts_.latest_documents(session, rec)
    data = document_input(session, proj, rec, phase, gate, 1)  # read the store once
    shas: dict[str, str] = {}
    for doc_key in gate.documents:
        for fmt in FORMATS:
            doc = _render_one(session, proj, rec, data, doc_key, fmt, latest)
            shas[f"{doc_key}.{fmt}"] = doc.sha256
    _void_stale(session, proj, rec, shas, actor)
    return shas


def _render_one(
    session: Session,
    proj: Project,
    rec: GateRecord,
    data: Any,
    doc_key: str,
    fmt: str,
    latest: dict[str, Document],
) -> Document:
    """Keep the latest version when the content is unchanged, else store the next one."""
    from implflow.artifacts.render import render, sha256_text

    prev = latest.get(f"{doc_key}.{fmt}")
    version = prev.version if prev else 1
    text = render(doc_key, data.model_copy(update={"version": version}), fmt)
    if prev is not None and sha256_text(text) == prev.sha256:
        return prev
    if prev is not None:
        version += 1
        text = render(doc_key, data.model_copy(update={"version": version}), fmt)
    return _store(session, proj, rec, doc_key, fmt, version, text)


def _store(
    session: Session,
    proj: Project,
    rec: GateRecord,
    doc_key: str,
    fmt: str,
    version: int,
    text: str,
    *,
    frozen: bool = False,
) -> Document:
    from implflow.artifacts.render import sha256_text

    folder = get_settings().documents_dir / proj.key / rec.gate_key
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{doc_key}.v{version}.{fmt}"
    path.write_text(text, encoding="utf-8")
    doc = Document(
        project_id=proj.id,
        gate_key=rec.gate_key,
        doc_key=doc_key,
        fmt=fmt,
        version=version,
        path=str(path),
        sha256=sha256_text(text),
        status="frozen" if frozen else "draft",
        frozen_at=utcnow() if frozen else None,
    )
    session.add(doc)
    session.flush()
    return doc


def _void_stale(
    session: Session, proj: Project, rec: GateRecord, shas: dict[str, str], actor: str
) -> None:
    approvals = session.exec(
        select(SignOff).where(
            SignOff.gate_id == rec.id, SignOff.decision == "approve", col(SignOff.voided).is_(False)
        )
    )
    for s in approvals:
        changed = sorted(k for k, sha in shas.items() if s.documents.get(k) != sha)
        if changed:
            s.voided, s.void_reason = True, f"document changed after signing: {', '.join(changed)}"
            session.add(s)
            audit.append(
                session,
                chain=proj.key,
                actor=actor,
                action="signoff.void",
                target=rec.gate_key,
                detail={"signoff": s.id, "changed": changed},
            )


def freeze(
    session: Session, proj: Project, rec: GateRecord, phase: Phase, gate: Gate, *, actor: str
) -> list[Document]:
    """Freeze the gate's latest documents and add its frozen sign-off record."""
    frozen = []
    for _key, doc in sorted(facts_.latest_documents(session, rec).items()):
        if doc.doc_key in gate.documents and doc.status != "frozen":
            doc.status, doc.frozen_at = "frozen", utcnow()
            session.add(doc)
            frozen.append(doc)
    session.flush()
    frozen += _signoff_record(session, proj, rec, phase, gate)
    audit.append(
        session,
        chain=proj.key,
        actor=actor,
        action="documents.freeze",
        target=rec.gate_key,
        detail={f"{d.doc_key}.{d.fmt}": d.sha256 for d in frozen},
    )
    return frozen


def _signoff_record(
    session: Session, proj: Project, rec: GateRecord, phase: Phase, gate: Gate
) -> list[Document]:
    from implflow.artifacts.render import render

    data = document_input(session, proj, rec, phase, gate, 1, signoff=True)
    return [
        _store(
            session,
            proj,
            rec,
            SIGNOFF_RECORD,
            fmt,
            1,
            render(SIGNOFF_RECORD, data, fmt),
            frozen=True,
        )
        for fmt in FORMATS
    ]


def inputs_changed_since(session: Session, proj: Project, rec: GateRecord, since: Any) -> bool:
    """True when records or checklist state changed after `since` (drafts may be stale)."""
    from implflow.store.models import ProjectRecord

    def newer(model: Any, column: Any, where: Any) -> bool:
        return session.exec(select(model).where(where, column > since).limit(1)).first() is not None

    return (
        newer(ProjectRecord, ProjectRecord.updated_at, ProjectRecord.project_id == proj.id)
        or newer(ChecklistEntry, ChecklistEntry.at, ChecklistEntry.gate_id == rec.id)
        or newer(Waiver, Waiver.at, Waiver.gate_id == rec.id)
    )


def list_documents(session: Session, proj: Project) -> list[Document]:
    stmt = (
        select(Document)
        .where(Document.project_id == proj.id)
        .order_by(Document.gate_key, Document.doc_key, Document.fmt, col(Document.version))
    )
    return list(session.exec(stmt))


def verify_frozen(session: Session, proj: Project | None = None) -> list[str]:
    """Problems with frozen documents: missing files or content that no longer matches."""
    stmt = select(Document, Project.key).join(Project).where(Document.status == "frozen")
    if proj is not None:
        stmt = stmt.where(Document.project_id == proj.id)
    problems = []
    for doc, key in session.exec(stmt):
        path = Path(doc.path)
        if not path.exists():
            problems.append(f"{key}: frozen document {path} is missing")
        elif sha256_file(path) != doc.sha256:
            problems.append(f"{key}: frozen document {path} was changed")
    return problems


def person_names(session: Session) -> dict[int, tuple[str, str]]:
    return {p.id: (p.handle, p.name) for p in session.exec(select(Person))}  # type: ignore[misc]
