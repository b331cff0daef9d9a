"""The append-only audit log: one keyed hash chain per project (and `_global`), verified end to end.

Each entry's hash covers its content, the digests of the rows it produced (audit_state) and
the previous entry's hash, keyed by a secret kept outside the store (HMAC-SHA256, audit_anchor).
Entries written before revision 0002 keep their plain sha256 ("sha256" scheme); a chain never
goes back from keyed to plain. Writers of one chain queue on a lock (the project row, and on
PostgreSQL an advisory lock per chain), so the chain never forks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from implflow.store import audit_anchor, audit_state
from implflow.store.models import AuditEntry, utcnow

GENESIS = "0" * 64
GLOBAL = "_global"
PLAIN, KEYED = "sha256", "hmac-sha256"
HEADS = "implflow_audit_heads"  # session.info: chain → (seq, hash) appended, anchored at commit
ACTORS = "implflow_audit_actors"  # session.info: chain → the last actor who wrote to it


def _iso(at: datetime) -> str:
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.isoformat(timespec="microseconds")


def entry_hash(entry: AuditEntry, key: bytes | None = None) -> str:
    """The entry's hash: plain sha256 (old scheme) or HMAC-SHA256 with the key, canonical JSON."""
    body: dict[str, Any] = {
        "chain": entry.chain,
        "seq": entry.seq,
        "at": _iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
        "prev": entry.prev_hash,
    }
    if entry.scheme == PLAIN:
        return hashlib.sha256(_canonical(body)).hexdigest()
    if key is None:
        raise ValueError("a keyed entry needs the audit key")
    body.update(scheme=entry.scheme, state=entry.state or {})
    return hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def _canonical(body: dict[str, Any]) -> bytes:
    raw = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return raw.encode()


def _lock_chain(session: Session, chain: str) -> None:
    """Queue the chain's writers: SQLite transactions already do (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"implflow-audit:{chain}".encode()).digest()
        lock = int.from_bytes(digest[:8], "big", signed=True)
        session.connection().execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})


def last(session: Session, chain: str) -> AuditEntry | None:
    """The chain's newest entry."""
    stmt = select(AuditEntry).where(AuditEntry.chain == chain).order_by(col(AuditEntry.seq).desc())
    return session.exec(stmt.limit(1)).first()


def append(
    session: Session,
    *,
    chain: str,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry after the chain's last one, with the digests of the rows it produced."""
    session.flush()  # the action's row changes reach audit_state before the entry takes them
    _lock_chain(session, chain)
    key, created = audit_anchor.ensure_key()
    if created:  # first keyed write: anchor every chain as it stands
        session.info.setdefault(HEADS, {}).update(heads(session))
    prev = last(session, chain)
    if prev is not None and prev.scheme == PLAIN and chain != GLOBAL:
        prev = _write(session, key, prev, chain, "implflow", "state.baseline", "", {},
                      audit_state.baseline(session, chain))  # fmt: skip
    state = audit_state.take(session, chain)
    return _write(session, key, prev, chain, actor, action, target, detail, state)


def _write(
    session: Session,
    key: bytes,
    prev: AuditEntry | None,
    chain: str,
    actor: str,
    action: str,
    target: str,
    detail: dict[str, Any] | None,
    state: dict[str, str] | None,
) -> AuditEntry:
    entry = AuditEntry(
        chain=chain,
        seq=(prev.seq + 1) if prev else 1,
        at=utcnow(),
        actor=actor,
        action=action,
        target=target,
        detail=json.loads(json.dumps(detail or {}, default=str)),
        prev_hash=prev.hash if prev else GENESIS,
        hash="",
        scheme=KEYED,
        state=state,
    )
    entry.hash = entry_hash(entry, key)
    session.add(entry)
    session.flush()
    session.info.setdefault(HEADS, {})[chain] = (entry.seq, entry.hash)
    session.info.setdefault(ACTORS, {})[chain] = actor
    return entry


def verify_chain(session: Session, chain: str, key: bytes | None = None) -> list[str]:
    """Problems found in one chain: gaps, broken links, altered or forged entries."""
    key = key if key is not None else audit_anchor.load_key()
    problems: list[str] = []
    prev, expected_seq, keyed = GENESIS, 1, False
    rows = session.exec(
        select(AuditEntry).where(AuditEntry.chain == chain).order_by(col(AuditEntry.seq))
    )
    for entry in rows:
        where = f"audit {chain}#{entry.seq}"
        if entry.seq != expected_seq:
            problems.append(f"{where}: entries {expected_seq}..{entry.seq - 1} are missing")
        if entry.prev_hash != prev:
            problems.append(f"{where}: link to the previous entry is broken")
        if entry.scheme == PLAIN and keyed:
            problems.append(f"{where}: unkeyed entry after keyed ones (forged)")
        elif entry.scheme != PLAIN and key is None:
            return problems + [f"audit {chain}: the audit key {audit_anchor.key_path()} is missing"]
        elif entry_hash(entry, key) != entry.hash:
            problems.append(f"{where}: entry was altered ({entry.action} {entry.target})")
        keyed = keyed or entry.scheme != PLAIN
        prev, expected_seq = entry.hash, entry.seq + 1
    return problems


def chains(session: Session) -> list[str]:
    return list(session.exec(select(AuditEntry.chain).distinct()))


def heads(session: Session) -> dict[str, tuple[int, str]]:
    """Every chain's newest (seq, hash)."""
    newest = (
        select(AuditEntry.chain, func.max(AuditEntry.seq).label("seq"))
        .group_by(AuditEntry.chain)
        .subquery()
    )
    stmt = select(AuditEntry.chain, AuditEntry.seq, AuditEntry.hash).join(
        newest, (newest.c.chain == AuditEntry.chain) & (newest.c.seq == AuditEntry.seq)
    )
    return {c: (seq, h) for c, seq, h in session.exec(stmt)}


from implflow.store import audit_hooks  # noqa: E402, F401  (registers the session hooks)
