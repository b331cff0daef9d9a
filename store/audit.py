"""The append-only audit log: one hash chain per project (and `_global`), verified end to end."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from implflow.store.models import AuditEntry, utcnow

GENESIS = "0" * 64
GLOBAL = "_global"


def _iso(at: datetime) -> str:
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.isoformat(timespec="microseconds")


def entry_hash(entry: AuditEntry) -> str:
    """sha256 over the entry's content and the previous hash, in canonical JSON."""
    body = {
        "chain": entry.chain,
        "seq": entry.seq,
        "at": _iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
        "prev": entry.prev_hash,
    }
    raw = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def append(
    session: Session,
    *,
    chain: str,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry after the chain's last one; callers hold the project lock."""
    last = session.exec(
        select(AuditEntry).where(AuditEntry.chain == chain).order_by(col(AuditEntry.seq).desc())
    ).first()
    entry = AuditEntry(
        chain=chain,
        seq=(last.seq + 1) if last else 1,
        at=utcnow(),
        actor=actor,
        action=action,
        target=target,
        detail=json.loads(json.dumps(detail or {}, default=str)),
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


def verify_chain(session: Session, chain: str) -> list[str]:
    """Problems found in one chain: gaps, broken links, altered entries (empty when intact)."""
    problems: list[str] = []
    prev, expected_seq = GENESIS, 1
    rows = session.exec(
        select(AuditEntry).where(AuditEntry.chain == chain).order_by(col(AuditEntry.seq))
    )
    for entry in rows:
        where = f"audit {chain}#{entry.seq}"
        if entry.seq != expected_seq:
            problems.append(f"{where}: entries {expected_seq}..{entry.seq - 1} are missing")
        if entry.prev_hash != prev:
            problems.append(f"{where}: link to the previous entry is broken")
        if entry_hash(entry) != entry.hash:
            problems.append(f"{where}: entry was altered ({entry.action} {entry.target})")
        prev, expected_seq = entry.hash, entry.seq + 1
    return problems


def chains(session: Session) -> list[str]:
    return list(session.exec(select(AuditEntry.chain).distinct()))
