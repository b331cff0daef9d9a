"""`audit verify`: the keyed chains, their anchor, the governed state, the heads carried by
sign-offs and documents, every stored file and every pinned pack, checked end to end."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlmodel import Session, col, select

from implflow.services import lookup
from implflow.store import audit, audit_anchor, audit_verify
from implflow.store.models import ChecklistEntry, Document, GateRecord, Project, SignOff


def verify(session: Session, project_key: str | None = None) -> list[str]:
    """Every problem found (empty when the store, its files and its packs are intact)."""
    if project_key is None:
        projects = list(session.exec(select(Project).order_by(Project.key)))
        chains = sorted(audit.chains(session))
    else:
        projects = [lookup.project(session, project_key)]
        chains = [project_key]
    key = audit_anchor.load_key()
    return (
        [p for c in chains for p in audit.verify_chain(session, c, key)]
        + audit_verify.anchor_problems(session, chains, every=project_key is None)
        + audit_verify.state_problems(session, projects)
        + audit_verify.head_problems(session, projects)
        + file_problems(session, projects)
        + pack_problems(projects)
    )


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _file(where: str, what: str, path: str, sha: str | None) -> list[str]:
    p = Path(path)
    if not p.is_file():
        return [f"{where}: {what} {p} is missing"]
    if sha is not None and sha256_file(p) != sha:
        return [f"{where}: {what} {p} was changed"]
    return []


def file_problems(session: Session, projects: list[Project]) -> list[str]:
    """Documents, evidence files and paper-signature scans whose content no longer matches."""
    keys = {p.id: p.key for p in projects}
    gates = {g.id: g for g in session.exec(select(GateRecord))}
    problems = []
    for d in session.exec(select(Document).order_by(col(Document.id))):
        if d.project_id in keys:
            problems += _file(keys[d.project_id], f"{d.status} document", d.path, d.sha256)
    with_files = select(ChecklistEntry).where(col(ChecklistEntry.evidence_path).is_not(None))
    for e in session.exec(with_files.order_by(col(ChecklistEntry.id))):
        gate = gates[e.gate_id]
        if gate.project_id in keys and e.evidence_path:
            where = f"{keys[gate.project_id]}: {gate.gate_key}/{e.item_key}"
            problems += _file(where, "evidence", e.evidence_path, e.evidence_sha256)
    scans = select(SignOff).where(col(SignOff.scan_path).is_not(None))
    for s in session.exec(scans.order_by(col(SignOff.id))):
        gate = gates[s.gate_id]
        if gate.project_id in keys and s.scan_path:
            where = f"{keys[gate.project_id]}: {gate.gate_key} sign-off #{s.id}"
            problems += _file(where, "signature scan", s.scan_path, s.scan_sha256)
    return problems


def pack_problems(projects: list[Project]) -> list[str]:
    """Projects whose pinned pack file is gone or no longer hashes to the pinned sha256."""
    problems, seen = [], {}
    for proj in projects:
        name = f"{proj.pack_name}-{proj.pack_version}.yaml"
        path = _pack_path(name)
        if name not in seen:
            seen[name] = sha256_file(path) if path.is_file() else None
        if seen[name] is None:
            problems.append(f"{proj.key}: methodology pack {path} is missing")
        elif seen[name] != proj.pack_sha256:
            problems.append(
                f"{proj.key}: methodology pack {proj.pack_name}@{proj.pack_version} ({path}) "
                "was changed since the project pinned it"
            )
    return problems


def _pack_path(file_name: str) -> Path:
    """Where the loader finds a pack file: the first packs folder that has it."""
    from implflow.methodology import loader

    found = getattr(loader, "folders", lambda: [loader.PACKS])()  # packs_dir, then shipped
    return next((f / file_name for f in found if (f / file_name).is_file()), found[-1] / file_name)
