"""`audit verify`: the hash chains and every frozen document, checked end to end."""

from __future__ import annotations

from sqlmodel import Session

from implflow.services import documents, lookup
from implflow.store import audit


def verify(session: Session, project_key: str | None = None) -> list[str]:
    """Every problem found (empty when the chain(s) and frozen documents are intact)."""
    if project_key is None:
        problems = [
            p for c in sorted(audit.chains(session)) for p in audit.verify_chain(session, c)
        ]
        return problems + documents.verify_frozen(session)
    proj = lookup.project(session, project_key)
    return audit.verify_chain(session, proj.key) + documents.verify_frozen(session, proj)
