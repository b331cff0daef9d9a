"""Session hooks that keep the audit whole whatever service writes.

- before_flush: a new sign-off, or a document being frozen, records the chain head of its
  project at that moment (seq + hash), so a signed copy can later prove truncation;
- before_commit: governed rows written after the transaction's last audit entry get one more
  entry ("state.record"), so no change through implflow is left out of the chain;
- after_commit: the heads appended are raised in the anchor file outside the store.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from implflow.core.errors import IntegrityError
from implflow.store import audit, audit_anchor, audit_state
from implflow.store.models import Document, SignOff

log = logging.getLogger(__name__)


def _stamp_heads(session: Session, _ctx: Any, _instances: Any) -> None:
    for row in list(session.new) + list(session.dirty):
        stamped = (isinstance(row, SignOff) and row in session.new) or (
            isinstance(row, Document) and row.status == "frozen"
        )
        if stamped and row.chain_seq is None:
            with session.no_autoflush:
                chain = audit_state.chain_of(session, row)
                head = audit.last(session, chain) if chain else None
            if head is not None:
                row.chain_seq, row.chain_hash = head.seq, head.hash


def _record_rest(session: Session) -> None:
    session.flush()
    for chain in sorted(audit_state.pending_chains(session)):
        actor = session.info.get(audit.ACTORS, {}).get(chain, "implflow")
        audit.append(session, chain=chain, actor=actor, action="state.record")


def _anchor(session: Session) -> None:
    heads = session.info.pop(audit.HEADS, None)
    session.info.pop(audit.ACTORS, None)
    if not heads:
        return
    try:
        audit_anchor.raise_heads(audit_anchor.store_id(session.get_bind().url), heads)
    except (OSError, IntegrityError) as exc:  # committed already: say so, `audit verify` names it
        log.warning("audit anchor not updated: %s", exc)


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(audit.HEADS, None)
    session.info.pop(audit.ACTORS, None)


event.listen(Session, "before_flush", _stamp_heads)
event.listen(Session, "before_commit", _record_rest)
event.listen(Session, "after_commit", _anchor)
event.listen(Session, "after_rollback", _forget)
