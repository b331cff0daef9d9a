"""The methodology as data: pack → phases → activities, deliverables, gates → items, criteria."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

KEY = r"^[a-z0-9][a-z0-9-]*$"
ROLE_KEY = r"^[a-z][a-z0-9_]*$"
LOCALES = ("en", "zh-CN")
Meaning = Literal["authored", "reviewed", "approved"]  # what a signature says its signer did


class Text(BaseModel):
    """A string in every supported locale."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    en: str = Field(min_length=1)
    zh_CN: str = Field(min_length=1, alias="zh-CN")

    def get(self, locale: str) -> str:
        return self.zh_CN if locale == "zh-CN" else self.en


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(Strict):
    key: str = Field(pattern=ROLE_KEY)
    title: Text
    client_side: bool = False
    signs_as: Meaning = "approved"  # the meaning of this role's signature, unless it says


class Activity(Strict):
    key: str = Field(pattern=KEY)
    title: Text


class Deliverable(Strict):
    key: str = Field(pattern=KEY)
    title: Text
    document: str | None = Field(default=None, pattern=KEY)


class ChecklistItem(Strict):
    key: str = Field(pattern=KEY)
    text: Text
    required: bool = True
    evidence: bool = False
    owners: list[str] = Field(default_factory=list)  # roles that may complete it; empty: the
    # pack's permissions.complete_items


class Criterion(Strict):
    """A computed condition: a registered function name and its parameters."""

    key: str = Field(pattern=KEY)
    function: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    title: Text
    params: dict[str, Any] = Field(default_factory=dict)


class SignoffRule(Strict):
    roles: list[str] = Field(min_length=1)
    waiver_roles: list[str] = Field(default_factory=list)
    four_eyes: bool = True
    one_approval_per_person: bool = True  # false: one person may sign for several roles


class Gate(Strict):
    key: str = Field(pattern=KEY)
    title: Text
    sla_days: int = Field(gt=0)
    checklist: list[ChecklistItem] = Field(min_length=1)
    criteria: list[Criterion] = Field(default_factory=list)
    signoff: SignoffRule
    documents: list[str] = Field(default_factory=list)

    def item(self, key: str) -> ChecklistItem | None:
        return next((i for i in self.checklist if i.key == key), None)


class Phase(Strict):
    key: str = Field(pattern=KEY)
    order: int = Field(ge=1)
    title: Text
    activities: list[Activity] = Field(default_factory=list)
    deliverables: list[Deliverable] = Field(default_factory=list)
    gates: list[Gate] = Field(min_length=1)


class Permissions(Strict):
    """The roles allowed each project action; None (unset): any member of the project."""

    add_members: list[str] | None = None  # add people and give them roles
    import_data: list[str] | None = None  # enter or import the project's records
    register_migration: list[str] | None = None  # register a migration spec
    run_phase: list[str] | None = None  # run a phase flow (or the engagement)
    complete_items: list[str] | None = None  # owners of an item that names none
    record_paper_signature: list[str] | None = None  # record a signature given on paper


class Methodology(Strict):
    name: str = Field(pattern=KEY)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: Text
    roles: list[Role] = Field(min_length=1)
    permissions: Permissions = Field(default_factory=Permissions)
    phases: list[Phase] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> Methodology:
        if info.context and info.context.get("defer_checks"):
            return self  # the loader runs them itself, to name the line at fault
        problems = reference_problems(self)
        if problems:
            loc, message = problems[0]
            raise ValueError(f"{'.'.join(map(str, loc))}: {message}")
        return self

    def phase(self, key: str) -> Phase | None:
        return next((p for p in self.phases if p.key == key), None)

    def gate(self, key: str) -> tuple[Phase, Gate] | None:
        for phase in self.phases:
            for gate in phase.gates:
                if gate.key == key:
                    return phase, gate
        return None

    def next_phase(self, key: str) -> Phase | None:
        keys = [p.key for p in self.phases]
        i = keys.index(key)
        return self.phases[i + 1] if i + 1 < len(keys) else None


Loc = tuple[str | int, ...]


def reference_problems(m: Methodology) -> list[tuple[Loc, str]]:
    """Cross-references a field type cannot check: unique keys, known roles, phase order."""
    out: list[tuple[Loc, str]] = []
    roles = {r.key for r in m.roles}
    out += _dupes([r.key for r in m.roles], ("roles",))
    out += _dupes([p.key for p in m.phases], ("phases",))
    for action, allowed in m.permissions:
        out += _unknown_roles(allowed or [], roles, ("permissions", action))
    seen_gates: set[str] = set()
    for pi, phase in enumerate(m.phases):
        if pi and phase.order <= m.phases[pi - 1].order:
            out.append((("phases", pi, "order"), "phases must be in strictly increasing order"))
        for gi, gate in enumerate(phase.gates):
            at: Loc = ("phases", pi, "gates", gi)
            if gate.key in seen_gates:
                out.append(((*at, "key"), f"duplicate gate key {gate.key!r}"))
            seen_gates.add(gate.key)
            out += _dupes([i.key for i in gate.checklist], (*at, "checklist"))
            out += _dupes([c.key for c in gate.criteria], (*at, "criteria"))
            out += [
                ((*at, "documents", di), f"document {d!r} listed twice")
                for di, d in enumerate(gate.documents)
                if d in gate.documents[:di]
            ]
            for ii, item in enumerate(gate.checklist):
                out += _unknown_roles(item.owners, roles, (*at, "checklist", ii, "owners"))
            for field in ("roles", "waiver_roles"):
                for ri, role in enumerate(getattr(gate.signoff, field)):
                    if role not in roles:
                        out.append(((*at, "signoff", field, ri), f"unknown role {role!r}"))
    return out


def _unknown_roles(named: list[str], roles: set[str], at: Loc) -> list[tuple[Loc, str]]:
    return [((*at, i), f"unknown role {r!r}") for i, r in enumerate(named) if r not in roles]


def _dupes(keys: list[str], at: Loc) -> list[tuple[Loc, str]]:
    return [((*at, i, "key"), f"duplicate key {k!r}") for i, k in enumerate(keys) if k in keys[:i]]


class ItemChange(Strict):
    """Overlay entry that adds, rewords or removes a checklist item of a gate."""

    gate: str = Field(pattern=KEY)
    key: str = Field(pattern=KEY)
    text: Text | None = None
    required: bool | None = None
    evidence: bool | None = None


class GateChange(Strict):
    """Overlay entry that changes a gate's sign-off roles, SLA or a criterion's parameters."""

    gate: str = Field(pattern=KEY)
    roles: list[str] | None = None
    waiver_roles: list[str] | None = None
    four_eyes: bool | None = None
    sla_days: int | None = Field(default=None, gt=0)
    params: dict[str, dict[str, Any]] = Field(default_factory=dict)


class Overlay(Strict):
    """A project's tailoring of a pack: validated against the pack it applies to."""

    pack: str = Field(pattern=KEY)
    version: str | None = None
    add_items: list[ItemChange] = Field(default_factory=list)
    reword_items: list[ItemChange] = Field(default_factory=list)
    remove_items: list[ItemChange] = Field(default_factory=list)
    gates: list[GateChange] = Field(default_factory=list)

    @field_validator("version")
    @classmethod
    def _semver(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^\d+\.\d+\.\d+$", v):
            raise ValueError("version must look like 1.0.0")
        return v
