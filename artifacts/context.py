"""The typed input of every document: project, gate state, the project's records, signatures."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectInfo(_In):
    key: str
    name: str
    client: str
    system: str
    locale: str
    pack_name: str
    pack_version: str


class ChecklistLine(_In):
    key: str
    text: str
    required: bool
    state: Literal["done", "waived", "open"]
    by: str = ""
    at: str = ""
    note: str = ""
    evidence: str = ""


class CriterionLine(_In):
    key: str
    title: str
    ok: bool
    detail: str
    function: str = ""
    params: dict[str, Any] = Field(default_factory=dict)  # the pack's, e.g. its thresholds


class GateInfo(_In):
    key: str
    title: str
    phase_key: str
    phase_title: str
    status: str
    checklist: list[ChecklistLine] = Field(default_factory=list)
    criteria: list[CriterionLine] = Field(default_factory=list)


class SignatureLine(_In):
    person: str
    name: str
    role: str
    decision: Literal["approve", "reject"]
    comment: str = ""
    at: str
    documents: dict[str, str] = Field(default_factory=dict)
    voided: bool = False
    audit_head: str = ""  # the audit chain's head at signing ("#seq sha"): proves truncation


class DocumentInput(_In):
    """Everything a document is made from; rendering is a pure function of it."""

    project: ProjectInfo
    gate: GateInfo
    records: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    signatures: list[SignatureLine] = Field(default_factory=list)
    documents: dict[str, str] = Field(default_factory=dict)
    version: int = 1
