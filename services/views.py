"""Read models for the faces as plain data: a gate, a project, the projects, documents."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from implflow.gates.rules import evaluate
from implflow.services import documents, lookup, phases, projects, signatures
from implflow.services import facts as facts_
from implflow.services.gates import context
from implflow.store.models import Document, GateRecord, SignOff


def gate_view(session: Session, project_key: str, gate_key: str) -> dict[str, Any]:
    """Everything `gate show` / `gate check` print: items, criteria, signatures, verdict."""
    ctx = context(session, project_key, gate_key, lock=False)
    loc = ctx.proj.locale
    facts = facts_.gather(session, ctx.proj, ctx.rec, ctx.gate, _current_docs(session, ctx))
    ev = evaluate(ctx.gate, facts)
    handles = {p: h for p, (h, _) in documents.person_names(session).items()}
    items = [
        {
            "key": i.key,
            "text": i.text.get(loc),
            "required": i.required,
            "evidence": i.evidence,
            "state": "done"
            if i.key in facts.done
            else "waived"
            if i.key in facts.waived
            else "open",
            "by": facts.done.get(i.key, ""),
            "waiver": facts.waived.get(i.key, ""),
        }
        for i in ctx.gate.checklist
    ]
    crits = [
        {
            "key": c.key,
            "title": c.title.get(loc),
            "ok": facts.criteria[c.key].ok,
            "detail": facts.criteria[c.key].detail,
        }
        for c in ctx.gate.criteria
    ]
    sigs = [
        {
            "person": handles[s.person_id],
            "role": s.role,
            "decision": s.decision,
            "comment": s.comment,
            "at": s.at,
            "voided": s.voided,
            "void_reason": s.void_reason,
            # the audit chain's head at signing: a copy of it proves any later truncation
            "audit_head": f"{project_key}#{s.chain_seq} {s.chain_hash}" if s.chain_seq else None,
            # what the signature says (the identity work): printed name, title, meaning, time
            # with its zone, and how it was given (a paper one: who recorded it, the scan)
            "name": s.signer_name,
            "title": s.signer_title,
            "meaning": s.meaning,
            "signed_at": signatures.shown_at(s.at),
            "given": signatures.Provenance(
                s.proven_by or "unproven",
                handles.get(s.recorded_by_id) if s.recorded_by_id else None,
                s.scan_sha256,
            ).statement(handles[s.person_id]),
        }
        for s in session.exec(
            select(SignOff).where(SignOff.gate_id == ctx.rec.id).order_by(col(SignOff.id))
        )
    ]
    return {
        "project": project_key,
        "gate": gate_key,
        "title": ctx.gate.title.get(loc),
        "phase": ctx.phase.key,
        "status": ctx.rec.status,
        "version": ctx.rec.version,
        "opened_at": ctx.rec.opened_at,
        "due_at": ctx.rec.due_at,
        "passed_at": ctx.rec.passed_at,
        "last_rejection": ctx.rec.last_rejection,
        "met": ev.met,
        "waiting_for": ev.waiting_for(),
        "open_items": ev.open_items,
        "failing_criteria": ev.failing_criteria,
        "missing_roles": ev.missing_roles,
        "stale_approvals": ev.stale_approvals,
        "required_roles": ctx.gate.signoff.roles,
        "items": items,
        "criteria": crits,
        "signatures": sigs,
    }


def _current_docs(session: Session, ctx: Any) -> dict[str, str] | None:
    """Stored draft shas, or a fresh in-memory render when inputs changed since the drafts."""
    latest = facts_.latest_documents(session, ctx.rec)
    own = [d for d in latest.values() if d.doc_key in ctx.gate.documents]
    if ctx.rec.status != "open" or not own:
        return None
    newest = max(d.created_at for d in own)
    if not documents.inputs_changed_since(session, ctx.proj, ctx.rec, newest):
        return None
    from implflow.artifacts.render import render, sha256_text

    data = documents.document_input(session, ctx.proj, ctx.rec, ctx.phase, ctx.gate, 1)
    return {
        f"{d.doc_key}.{d.fmt}": sha256_text(
            render(d.doc_key, data.model_copy(update={"version": d.version}), d.fmt)
        )
        for d in own
    }


def _item_state(key: str, facts: Any) -> str:
    return "done" if key in facts.done else "waived" if key in facts.waived else "open"


def project_info(session: Session, project_key: str) -> dict[str, Any]:
    """A project: its pack, phases with their state, and members (`project show`)."""
    p = lookup.project(session, project_key)
    return {
        "key": p.key,
        "name": p.name,
        "client": p.client,
        "system": p.system,
        "locale": p.locale,
        "pack": f"{p.pack_name}@{p.pack_version}",
        "pack_sha256": p.pack_sha256,
        "tailored": p.overlay is not None,
        "phases": [
            {
                "key": ph.key,
                "title": ph.title.get(p.locale),
                "status": phases.state(session, p, ph.key).status,
            }
            for ph in lookup.methodology(p).phases
        ],
        "members": [
            {"handle": h, "name": n, "role": r} for h, n, r in projects.members(session, p)
        ],
    }


def project_list(session: Session) -> list[dict[str, Any]]:
    """Every project, one row each (`project list`)."""
    return [
        {
            "key": p.key,
            "name": p.name,
            "client": p.client,
            "system": p.system,
            "locale": p.locale,
            "pack": f"{p.pack_name}@{p.pack_version}",
        }
        for p in projects.list_projects(session)
    ]


def document_list(session: Session, project_key: str) -> list[dict[str, Any]]:
    """A project's documents: gate, version, status, sha256, path (`artifacts list`)."""
    return [
        {
            "gate": d.gate_key,
            "document": d.doc_key,
            "format": d.fmt,
            "version": d.version,
            "status": d.status,
            "sha256": d.sha256,
            "path": d.path,
        }
        for d in documents.list_documents(session, lookup.project(session, project_key))
    ]


def free_key(session: Session, base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever no project holds yet."""
    taken = {p.key for p in projects.list_projects(session)}
    return next(k for k in (base, *(f"{base}-{i}" for i in range(2, 10_000))) if k not in taken)


def open_gate_of(session: Session, project_key: str, phase_key: str) -> str | None:
    """The phase's gate that is open now, if any."""
    proj = lookup.project(session, project_key)
    stmt = select(GateRecord).where(
        GateRecord.project_id == proj.id,
        GateRecord.phase_key == phase_key,
        GateRecord.status == "open",
    )
    rec = session.exec(stmt.order_by(col(GateRecord.id))).first()
    return rec.gate_key if rec else None


def phase_status(session: Session, project_key: str, phase_key: str) -> str:
    """locked, open or passed."""
    return phases.state(session, lookup.project(session, project_key), phase_key).status


def outcome(session: Session, project_key: str) -> dict[str, Any]:
    """Where a project ended: each gate's status, the frozen HTML documents, audit problems."""
    from implflow.services.audit_check import verify

    proj = lookup.project(session, project_key)
    gates = session.exec(
        select(GateRecord).where(GateRecord.project_id == proj.id).order_by(col(GateRecord.id))
    )
    docs = session.exec(
        select(Document).where(
            Document.project_id == proj.id, Document.status == "frozen", Document.fmt == "html"
        )
    )
    return {
        "gates": [(g.gate_key, g.status, g.passed_at) for g in gates],
        "frozen": [(d.gate_key, d.doc_key, d.path) for d in docs],
        "problems": verify(session, project_key),
    }
