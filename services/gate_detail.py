"""The gate page's read model: the gate's view (services.views) with who did what and when,
item owners, criteria thresholds, the documents to sign as HTML, the audit trail and the
phase's runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, or_, select

from implflow.artifacts.safehtml import IMAGE_SCHEMES, safe_url
from implflow.services import documents, lookup, views
from implflow.services.auth.principal import Principal, as_utc
from implflow.services.permissions import item_owners, roles_on
from implflow.services.readcache import ReadCache
from implflow.store.models import AuditEntry, ChecklistEntry, PhaseRun, SignOff, Waiver

AUDIT_SHOWN = 50
_CACHE = ReadCache(256)
RUNS_SHOWN = 5
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)
_URL_ATTR = re.compile(r'\b(href|src)\s*=\s*"([^"]*)"', re.I)


def gate_detail(
    session: Session, project_key: str, gate_key: str, *, viewer: Principal | None = None
) -> dict[str, Any]:
    """Everything the gate page shows (kept between calls while the store does not change:
    services.readcache); `viewer` adds the roles they hold on the project."""
    key = ("gate", project_key, gate_key)
    view = dict(_CACHE.get(session, key, lambda: _detail(session, project_key, gate_key)))
    if viewer is not None:
        proj = lookup.project(session, project_key)
        view["my_roles"] = sorted(roles_on(session, viewer, proj))
    return view


def _detail(session: Session, project_key: str, gate_key: str) -> dict[str, Any]:
    view = views.gate_view(session, project_key, gate_key)
    proj = lookup.project(session, project_key)
    phase, gate = lookup.gate_def(proj, gate_key)
    rec = lookup.gate_record(session, proj, gate_key)
    m = lookup.methodology(proj)
    people = documents.person_names(session)
    entries = {
        e.item_key: e
        for e in session.exec(select(ChecklistEntry).where(ChecklistEntry.gate_id == rec.id))
    }
    waivers = {w.item_key: w for w in session.exec(select(Waiver).where(Waiver.gate_id == rec.id))}
    for item in view["items"]:
        item["owners"] = item_owners(m, gate, item["key"]) or []
        item.update(_done(entries.get(item["key"]), waivers.get(item["key"]), people))
    params = {c.key: c.params for c in gate.criteria}
    for crit in view["criteria"]:
        crit["threshold"] = ", ".join(f"{k} = {v}" for k, v in params[crit["key"]].items())
    view["signatures"] = _signatures(session, rec.id, people)
    view["documents"] = _documents(session, rec, gate.documents)
    view["audit"] = _audit(session, project_key, gate_key)
    view["runs"] = runs(session, proj.id, phase.key)
    view["project_name"], view["client"] = proj.name, proj.client
    view["locale"], view["waiver_roles"] = proj.locale, gate.signoff.waiver_roles
    view["my_roles"] = []
    return view


def _done(
    entry: ChecklistEntry | None, waiver: Waiver | None, people: dict[int, tuple[str, str]]
) -> dict[str, Any]:
    if entry is not None:
        return {
            "by_name": people[entry.person_id][1],
            "at": as_utc(entry.at),
            "note": entry.note,
            "evidence_sha256": entry.evidence_sha256,
            "evidence_url": entry.evidence_url,
        }
    if waiver is not None:
        return {
            "by": people[waiver.person_id][0],
            "by_name": people[waiver.person_id][1],
            "at": as_utc(waiver.at),
            "note": f"{waiver.role}: {waiver.reason}",
            "evidence_sha256": None,
            "evidence_url": None,
        }
    return {"by_name": "", "at": None, "note": "", "evidence_sha256": None, "evidence_url": None}


def _signatures(
    session: Session, gate_id: int | None, people: dict[int, tuple[str, str]]
) -> list[dict[str, Any]]:
    rows = session.exec(select(SignOff).where(SignOff.gate_id == gate_id).order_by(col(SignOff.id)))
    return [
        {
            "person": people[s.person_id][0],
            "name": s.signer_name or people[s.person_id][1],
            "title": s.signer_title,
            "role": s.role,
            "meaning": s.meaning,
            "decision": s.decision,
            "comment": s.comment,
            "at": as_utc(s.at),
            "proven_by": s.proven_by,
            "voided": s.voided,
            "void_reason": s.void_reason,
        }
        for s in rows
    ]


def _documents(session: Session, rec: Any, keys: list[str]) -> list[dict[str, Any]]:
    """The gate's latest documents to sign, each with its sha256 and its HTML body."""
    from implflow.services.facts import latest_documents

    latest = latest_documents(session, rec)
    out = []
    for key in keys:
        html = latest.get(f"{key}.html")
        if html is None:
            continue
        out.append(
            {
                "key": key,
                "version": html.version,
                "status": html.status,
                "sha256": html.sha256,
                "md_sha256": latest[f"{key}.md"].sha256 if f"{key}.md" in latest else None,
                "body": document_body(Path(html.path)),
            }
        )
    return out


def document_body(path: Path) -> str:
    """The body of a rendered HTML document, its links made safe (empty when the file is gone)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    found = _BODY.search(text)
    return safe_links(found.group(1) if found else text)


def safe_links(html: str) -> str:
    """A second guard over the stored HTML: any href or src safehtml would not allow is
    emptied (the documents were rendered with safehtml's links already)."""

    def inert(match: re.Match[str]) -> str:
        attr, url = match.group(1), match.group(2)
        allowed = safe_url(url) if attr.lower() == "href" else safe_url(url, IMAGE_SCHEMES)
        return match.group(0) if allowed else f'{attr}="#"'

    return _URL_ATTR.sub(inert, html)


def _audit(session: Session, project_key: str, gate_key: str) -> list[dict[str, Any]]:
    stmt = (
        select(AuditEntry)
        .where(
            AuditEntry.chain == project_key,
            or_(AuditEntry.target == gate_key, col(AuditEntry.target).startswith(f"{gate_key}/")),
        )
        .order_by(col(AuditEntry.seq).desc())
        .limit(AUDIT_SHOWN)
    )
    return [
        {
            "seq": e.seq,
            "at": as_utc(e.at),
            "actor": e.actor,
            "action": e.action,
            "target": e.target,
            "detail": e.detail,
        }
        for e in session.exec(stmt)
    ]


def runs(session: Session, project_id: int | None, phase_key: str | None = None) -> list[dict]:
    """The newest phase runs of a project (of one phase when given)."""
    stmt = select(PhaseRun).where(PhaseRun.project_id == project_id)
    if phase_key is not None:
        stmt = stmt.where(PhaseRun.phase_key == phase_key)
    return [
        {
            "phase": r.phase_key,
            "started_at": as_utc(r.started_at),
            "ended_at": as_utc(r.ended_at) if r.ended_at else None,
            "outcome": r.outcome,
            "message": r.message,
        }
        for r in session.exec(stmt.order_by(col(PhaseRun.id).desc()).limit(RUNS_SHOWN))
    ]
