"""What `audit verify` checks inside the store beyond each chain's links and hashes.

- the anchor: every head kept outside the store is still in its chain (no truncation);
- the state: every governed row matches the digest its last audit entry recorded;
- the heads carried by sign-offs and frozen documents are still in their chain.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from implflow.store import audit, audit_anchor, audit_state
from implflow.store.models import AuditEntry, Document, GateRecord, Project, SignOff

NOUNS = {
    "project": "project",
    "membership": "membership",
    "gaterecord": "gate record",
    "checklistentry": "checklist entry",
    "waiver": "waiver",
    "signoff": "sign-off",
    "document": "document",
    "projectrecord": "record",
}


def _label(row_key: str) -> str:
    table, _, rid = row_key.partition(":")
    return f"{NOUNS.get(table, table)} #{rid}"


def _hashes(session: Session, chains: Iterable[str]) -> dict[tuple[str, int], AuditEntry]:
    stmt = select(AuditEntry).where(col(AuditEntry.chain).in_(list(chains)))
    return {(e.chain, e.seq): e for e in session.exec(stmt)}


def anchor_problems(session: Session, chains: list[str], *, every: bool) -> list[str]:
    """Heads in the anchor no longer in the store: newest entries or whole chains deleted."""
    anchored = audit_anchor.anchored(audit_anchor.store_id(session.get_bind().url))
    keyed = set(
        session.exec(select(AuditEntry.chain).where(AuditEntry.scheme != audit.PLAIN).distinct())
    )
    wanted = set(chains) | (set(anchored or {}) if every else set())
    if anchored is None:
        if keyed & wanted:
            path = audit_anchor.key_path().with_name("audit-anchor.json")
            return [f"audit anchor {path} holds nothing for this store: truncation unprovable"]
        return []
    entries = _hashes(session, [c for c in wanted if c in anchored])
    heads = audit.heads(session)
    problems = []
    for chain in sorted(wanted):
        if chain not in anchored:
            if chain in keyed:
                problems.append(f"audit {chain}: chain is missing from the anchor")
            continue
        seq, digest = anchored[chain]
        if chain not in heads:
            problems.append(f"audit {chain}: the whole chain was deleted (anchored at #{seq})")
        elif heads[chain][0] < seq:
            problems.append(
                f"audit {chain}: entries {heads[chain][0] + 1}..{seq} were deleted "
                f"(anchored at #{seq})"
            )
        elif (e := entries.get((chain, seq))) is None or e.hash != digest:
            problems.append(f"audit {chain}#{seq}: differs from the anchored head (re-written)")
    return problems


def state_problems(session: Session, projects: list[Project]) -> list[str]:
    """Governed rows added, changed or deleted without the audit entry that should say so."""
    keys = {p.id: p.key for p in projects}
    recorded: dict[str, tuple[str, int, str]] = {}
    keyed: set[str] = set()
    stmt = (
        select(AuditEntry)
        .where(col(AuditEntry.chain).in_(list(keys.values())), AuditEntry.scheme != audit.PLAIN)
        .order_by(AuditEntry.chain, col(AuditEntry.seq))
    )
    for e in session.exec(stmt):
        keyed.add(e.chain)
        for row, digest in (e.state or {}).items():
            recorded[row] = (e.chain, e.seq, digest)
    now = audit_state.current(session, [k for k in keys if k is not None])
    problems = []
    for row, (pid, digest) in sorted(now.items()):
        chain = keys[pid]
        if chain not in keyed:
            continue  # a chain written before revision 0002 is checked from its next write
        if row not in recorded:
            problems.append(f"{chain}: {_label(row)} has no audit entry (written outside)")
        elif recorded[row][2] != digest:
            problems.append(f"{chain}: {_label(row)} differs from audit {chain}#{recorded[row][1]}")
    for row, (chain, seq, digest) in sorted(recorded.items()):
        if digest != audit_state.DELETED and row not in now:
            problems.append(f"{chain}: {_label(row)} was deleted outside (audited at #{seq})")
    return problems


def head_problems(session: Session, projects: list[Project]) -> list[str]:
    """Sign-offs and frozen documents whose recorded chain head the chain no longer holds."""
    keys = {p.id: p.key for p in projects}
    entries = _hashes(session, keys.values())
    gates = {g.id: g.project_id for g in session.exec(select(GateRecord))}
    problems = []
    stamped = select(SignOff).where(col(SignOff.chain_seq).is_not(None))
    for s in session.exec(stamped):
        chain = keys.get(gates.get(s.gate_id))
        problems += _head(chain, f"sign-off #{s.id}", s.chain_seq, s.chain_hash, entries)
    stamped_docs = select(Document).where(col(Document.chain_seq).is_not(None))
    for d in session.exec(stamped_docs):
        where = f"document {d.doc_key}.{d.fmt} v{d.version}"
        problems += _head(keys.get(d.project_id), where, d.chain_seq, d.chain_hash, entries)
    return problems


def _head(
    chain: str | None,
    what: str,
    seq: int | None,
    digest: str | None,
    entries: dict[tuple[str, int], AuditEntry],
) -> list[str]:
    if chain is None or seq is None:
        return []
    entry = entries.get((chain, seq))
    if entry is None or entry.hash != digest:
        return [f"{chain}: {what} carries audit head #{seq} {str(digest)[:12]}, no longer held"]
    return []
