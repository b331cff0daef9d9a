"""The store's tables (SQLModel). Times are timezone-aware UTC; JSON columns hold plain data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), **kw))


def _ts_opt() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


def _json(default: Any = dict) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class Project(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True, max_length=64)
    name: str
    client: str
    system: str = Field(max_length=16)  # ERP, CRM, MES
    locale: str = Field(default="en", max_length=8)
    pack_name: str
    pack_version: str
    pack_sha256: str = Field(max_length=64)
    overlay: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = _ts(nullable=False)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    handle: str = Field(index=True, unique=True, max_length=64)
    name: str
    email: str = ""
    title: str = ""  # printed under the name on every signature, e.g. "CFO, ACME"


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "person_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=64)


class PhaseState(SQLModel, table=True):
    """One row per project and phase: locked → open → passed."""

    __table_args__ = (UniqueConstraint("project_id", "phase_key"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    phase_key: str = Field(max_length=64)
    order: int
    status: str = Field(default="locked", max_length=16)
    opened_at: datetime | None = _ts_opt()
    passed_at: datetime | None = _ts_opt()


class PhaseRun(SQLModel, table=True):
    """One Prefect flow run of a phase, and the state it ended in."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    phase_key: str = Field(max_length=64)
    flow_run_id: str = Field(max_length=64, index=True)
    started_at: datetime = _ts(nullable=False)
    ended_at: datetime | None = _ts_opt()
    outcome: str = Field(default="running", max_length=32)
    message: str = ""
    cached_steps: list[str] = _json(list)  # steps skipped as already done (task cache)
    # the process running it (revision 0004): a run whose process is gone is marked Crashed
    host: str = Field(default="", max_length=255)
    pid: int | None = None
    process_start: str = Field(default="", max_length=64)  # tells a reused pid apart


class GateRecord(SQLModel, table=True):
    """A gate of a project; `version` increments with every change (optimistic concurrency)."""

    __table_args__ = (UniqueConstraint("project_id", "gate_key"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    phase_key: str = Field(max_length=64)
    gate_key: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=16)  # pending, open, passed
    version: int = 0
    opened_at: datetime | None = _ts_opt()
    due_at: datetime | None = _ts_opt()
    passed_at: datetime | None = _ts_opt()
    last_rejection: str | None = None


class ChecklistEntry(SQLModel, table=True):
    """An item marked done, with who, when, a note and evidence (stored file or URL)."""

    __table_args__ = (UniqueConstraint("gate_id", "item_key"),)
    id: int | None = Field(default=None, primary_key=True)
    gate_id: int = Field(foreign_key="gaterecord.id", index=True)
    item_key: str = Field(max_length=64)
    person_id: int = Field(foreign_key="person.id")
    at: datetime = _ts(nullable=False)
    note: str = ""
    evidence_path: str | None = None
    evidence_sha256: str | None = Field(default=None, max_length=64)
    evidence_name: str | None = None  # the file's original name; stored under its sha256 (0002)
    evidence_url: str | None = None


class Waiver(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("gate_id", "item_key"),)
    id: int | None = Field(default=None, primary_key=True)
    gate_id: int = Field(foreign_key="gaterecord.id", index=True)
    item_key: str = Field(max_length=64)
    person_id: int = Field(foreign_key="person.id")
    role: str = Field(max_length=64)
    reason: str
    at: datetime = _ts(nullable=False)


class SignOff(SQLModel, table=True):
    """An approval or rejection for a role; `documents` maps document key → sha256 signed."""

    id: int | None = Field(default=None, primary_key=True)
    gate_id: int = Field(foreign_key="gaterecord.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    role: str = Field(max_length=64)
    decision: str = Field(max_length=16)  # approve, reject
    comment: str = ""
    at: datetime = _ts(nullable=False)
    documents: dict[str, str] = _json()
    voided: bool = False
    void_reason: str | None = None
    # what the signature says and how it was given (the identity work, revision 0003)
    meaning: str = Field(default="approved", max_length=16)  # authored, reviewed, approved
    signer_name: str = ""  # printed name and title as they were at signing
    signer_title: str = ""
    proven_by: str = Field(default="", max_length=16)  # password, fresh-login, paper
    recorded_by_id: int | None = Field(default=None, foreign_key="person.id")  # paper: who typed it
    scan_sha256: str | None = Field(default=None, max_length=64)  # paper: the scanned page
    scan_path: str | None = None
    # the audit chain's head when signed (revision 0002): a signed copy proves later truncation
    chain_seq: int | None = None
    chain_hash: str | None = Field(default=None, max_length=64)


class Document(SQLModel, table=True):
    """A rendered document; one row per (gate, key, format, version)."""

    __table_args__ = (UniqueConstraint("project_id", "gate_key", "doc_key", "fmt", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    gate_key: str = Field(max_length=64)
    doc_key: str = Field(max_length=64)
    fmt: str = Field(max_length=8)  # md, html
    version: int
    path: str
    sha256: str = Field(max_length=64)
    status: str = Field(default="draft", max_length=16)  # draft, frozen
    created_at: datetime = _ts(nullable=False)
    frozen_at: datetime | None = _ts_opt()
    chain_seq: int | None = None  # the audit chain's head when frozen (revision 0002)
    chain_hash: str | None = Field(default=None, max_length=64)


class ProjectRecord(SQLModel, table=True):
    """One item of the project's data; `data` is validated by projectdata.records.KINDS[kind]."""

    __table_args__ = (UniqueConstraint("project_id", "kind", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    kind: str = Field(max_length=32)
    key: str = Field(max_length=128)
    data: dict[str, Any] = _json()
    updated_at: datetime = _ts(nullable=False)


class AuditEntry(SQLModel, table=True):
    """Append-only; each entry's hash covers its content and the previous entry's hash."""

    __table_args__ = (UniqueConstraint("chain", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    chain: str = Field(max_length=64, index=True)  # project key, or "_global"
    seq: int
    at: datetime = _ts(nullable=False)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    target: str = ""
    detail: dict[str, Any] = _json()
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    # "sha256" for entries written before revision 0002, else "hmac-sha256" (keyed)
    scheme: str = Field(default="hmac-sha256", max_length=16)
    # digests of the governed rows this change produced: "table:id" → sha256 ("" = deleted)
    state: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Account(SQLModel, table=True):
    """A person's log-in: an argon2 password hash and the global flags (admin, PMO)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True, index=True)
    password_hash: str
    is_admin: bool = False
    is_pmo: bool = False  # the portfolio office: creates projects, acts as pmo on every one
    disabled: bool = False
    created_at: datetime = _ts(nullable=False)
    password_changed_at: datetime = _ts(nullable=False)


class ApiToken(SQLModel, table=True):
    """A bearer token; only the sha256 of its secret is kept, the secret is shown once."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    name: str = Field(max_length=64)
    kind: str = Field(default="api", max_length=16)  # login (proved a password), api
    token_sha256: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = _ts(nullable=False)
    expires_at: datetime = _ts(nullable=False)
    revoked_at: datetime | None = _ts_opt()
    last_used_at: datetime | None = _ts_opt()


class LoginThrottle(SQLModel, table=True):
    """Failed log-ins per handle as typed; the next attempt waits until `blocked_until`."""

    id: int | None = Field(default=None, primary_key=True)
    handle: str = Field(max_length=128, unique=True, index=True)
    failures: int = 0
    last_failure_at: datetime | None = _ts_opt()
    blocked_until: datetime | None = _ts_opt()
