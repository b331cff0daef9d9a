"""What a sign-off says, as regulated industries expect of an electronic signature.

Each sign-off carries the signer's printed name and title as they were at signing, the
meaning of the signature (authored, reviewed, approved: the role's default in the pack unless
the signer says otherwise), how identity was proven (the password typed again, a fresh
log-in, or a paper signature recorded by another member with the scanned page's sha256), and
its time shown with its zone (`IMPLFLOW_TIMEZONE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from implflow.core.errors import InvalidInput
from implflow.core.settings import get_settings
from implflow.methodology.schema import Methodology
from implflow.services.auth.principal import as_utc
from implflow.services.evidence import StoredEvidence
from implflow.store.models import Person

MEANINGS = ("authored", "reviewed", "approved")
PROOFS = ("", "password", "fresh-login")  # "": named by code in the process, not a face


@dataclass(frozen=True)
class Provenance:
    """How a signature was given: proven by whom and how, and the scan of a paper one."""

    proven_by: str  # password, fresh-login, paper
    recorded_by: str | None = None  # the member who recorded a paper signature
    scan_sha256: str | None = None

    def statement(self, signer: str) -> str:
        """One line for the audit log and the sign-off record."""
        if self.recorded_by is None:
            return f"signed by {signer} ({self.proven_by})"
        return (
            f"recorded by {self.recorded_by} on behalf of {signer}, scan sha256 {self.scan_sha256}"
        )


def meaning(m: Methodology, role: str, chosen: str | None = None) -> str:
    """The meaning of a signature: the one chosen, else the role's default in the pack."""
    if chosen is not None:
        if chosen not in MEANINGS:
            raise InvalidInput(f"meaning must be one of {', '.join(MEANINGS)}, not {chosen!r}")
        return chosen
    found = next((r for r in m.roles if r.key == role), None)
    return found.signs_as if found is not None else "approved"


def shown_at(at: datetime) -> str:
    """A time in the configured zone, with the zone's name and offset: 2026-11-25 17:50:12
    CST (UTC+08:00)."""
    local = as_utc(at).astimezone(ZoneInfo(get_settings().timezone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


@dataclass(frozen=True)
class Given:
    """What a new sign-off records beside its decision: meaning, printed name, provenance."""

    signer: str
    meaning: str
    name: str
    title: str
    provenance: Provenance
    recorded_by_id: int | None = None
    scan_path: str | None = None

    def columns(self) -> dict[str, Any]:
        """The SignOff columns this fills."""
        return {
            "meaning": self.meaning,
            "signer_name": self.name,
            "signer_title": self.title,
            "proven_by": self.provenance.proven_by,
            "recorded_by_id": self.recorded_by_id,
            "scan_sha256": self.provenance.scan_sha256,
            "scan_path": self.scan_path,
        }

    def audit(self) -> dict[str, Any]:
        """What the audit entry of the signature says beside role, comment and documents."""
        return {
            "signer": self.signer,
            "printed_name": self.name,
            "title": self.title,
            "meaning": self.meaning,
            "proven_by": self.provenance.proven_by,
            "statement": self.provenance.statement(self.signer),
        }


def given(
    session: Session,
    m: Methodology,
    *,
    actor: str,
    signer: Person,
    role: str,
    meaning_chosen: str | None,
    proven_by: str,
    scan: StoredEvidence | None,
) -> Given:
    """The facts of a signature by `signer`, typed by `actor` (someone else: a paper one)."""
    name, title, how = signer.name, signer.title, meaning(m, role, meaning_chosen)
    if actor == signer.handle:
        if proven_by not in PROOFS:
            raise InvalidInput(f"proven_by must be one of {', '.join(PROOFS)}, not {proven_by!r}")
        return Given(signer.handle, how, name, title, Provenance(proven_by))
    if scan is None:
        raise InvalidInput("a signature given on paper needs the scanned page (--scan FILE)")
    recorder = session.exec(select(Person).where(Person.handle == actor)).one()
    paper = Provenance("paper", recorded_by=actor, scan_sha256=scan.sha256)
    return Given(signer.handle, how, name, title, paper, recorder.id, str(scan.path))
