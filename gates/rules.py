"""Pure gate rules: when a gate passes, who may sign, waive or reject. No store, no Prefect."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from implflow.core.errors import Conflict, Forbidden, NotFound
from implflow.methodology.schema import Gate


@dataclass(frozen=True)
class Approval:
    handle: str
    role: str
    documents: dict[str, str]


@dataclass(frozen=True)
class CriterionResult:
    ok: bool
    detail: str


@dataclass(frozen=True)
class GateFacts:
    """What the store knows about one gate, reduced to plain values."""

    done: dict[str, str] = field(default_factory=dict)  # item key → handle who completed it
    waived: dict[str, str] = field(default_factory=dict)  # item key → reason
    waived_by: dict[str, str] = field(default_factory=dict)  # item key → handle who waived it
    approvals: tuple[Approval, ...] = ()  # not voided
    criteria: dict[str, CriterionResult] = field(default_factory=dict)
    documents: dict[str, str] = field(default_factory=dict)  # doc key → current sha256


@dataclass(frozen=True)
class Evaluation:
    open_items: list[str]
    failing_criteria: list[str]
    missing_roles: list[str]
    stale_approvals: list[str]

    @property
    def ready_for_signoff(self) -> bool:
        return not self.open_items and not self.failing_criteria

    @property
    def met(self) -> bool:
        return self.ready_for_signoff and not self.missing_roles

    def waiting_for(self) -> str:
        """One line: what the gate waits for, e.g. '2 items, 1 criterion, 2 signatures'."""
        parts = [
            _count(len(self.open_items), "item"),
            _count(len(self.failing_criteria), "criterion", "criteria"),
            _count(len(self.missing_roles), "signature"),
        ]
        return ", ".join(p for p in parts if p) or "nothing"


def _count(n: int, one: str, many: str | None = None) -> str:
    return "" if n == 0 else f"{n} {one if n == 1 else (many or one + 's')}"


def valid_approval(approval: Approval, documents: dict[str, str]) -> bool:
    """An approval holds only for the documents exactly as they were when signed."""
    return all(approval.documents.get(k) == sha for k, sha in documents.items())


def evaluate(gate: Gate, facts: GateFacts) -> Evaluation:
    """Evaluate a gate: required items, computed criteria, and approvals of every required role."""
    open_items = [
        i.key for i in gate.checklist if i.required and i.key not in facts.done | facts.waived
    ]
    failing = [c.key for c in gate.criteria if not _holds(facts.criteria.get(c.key))]
    current = [a for a in facts.approvals if valid_approval(a, facts.documents)]
    stale = [f"{a.handle}:{a.role}" for a in facts.approvals if a not in current]
    approved_roles = {a.role for a in current}
    missing = [r for r in gate.signoff.roles if r not in approved_roles]
    return Evaluation(open_items, failing, missing, stale)


def _holds(result: CriterionResult | None) -> bool:
    return result is not None and result.ok


def check_signer(gate: Gate, role: str, held_roles: set[str]) -> None:
    """Only a member holding a role the gate requires may sign for it."""
    if role not in gate.signoff.roles:
        raise Forbidden(f"gate {gate.key} needs no sign-off from role {role!r}")
    if role not in held_roles:
        raise Forbidden(f"you do not hold the role {role!r} on this project")


def doers(gate: Gate, facts: GateFacts) -> set[str]:
    """Who did the gate's required items: a waiver counts as doing the item it waives."""
    out: set[str] = set()
    for item in gate.checklist:
        if not item.required:
            continue
        who = facts.waived_by.get(item.key) or facts.done.get(item.key)
        if who is not None:
            out.add(who)
    return out


def check_four_eyes(gate: Gate, handle: str, facts: GateFacts, role: str | None = None) -> None:
    """Nobody approves a gate whose required items they alone did (completed or waived), and
    one person gives one approval per gate (each unless the pack allows it for the gate)."""
    if gate.signoff.four_eyes and doers(gate, facts) == {handle}:
        raise Forbidden(
            f"four-eyes rule: {handle} completed or waived every required item of {gate.key} "
            "alone and cannot approve it"
        )
    if gate.signoff.one_approval_per_person:
        other = next(
            (a.role for a in facts.approvals if a.handle == handle and a.role != role), None
        )
        if other is not None:
            raise Forbidden(
                f"four-eyes rule: {handle} already approved {gate.key} as {other}; "
                "one person gives one approval per gate"
            )


def check_four_eyes_holds(gate: Gate, facts: GateFacts) -> None:
    """At the moment a gate passes, every current approval still keeps the four-eyes rule."""
    current = tuple(a for a in facts.approvals if valid_approval(a, facts.documents))
    now = replace(facts, approvals=current)
    for a in current:
        check_four_eyes(gate, a.handle, now, a.role)


def check_ready(gate: Gate, evaluation: Evaluation) -> None:
    """Approvals are taken only once every required item and criterion is satisfied."""
    if not evaluation.ready_for_signoff:
        raise Conflict(f"gate {gate.key} is not ready for sign-off: {evaluation.waiting_for()}")


def check_waiver(gate: Gate, item_key: str, held_roles: set[str], reason: str) -> str:
    """A waiver needs a reason and a role the gate allows to waive; returns the role used."""
    if gate.item(item_key) is None:
        raise NotFound(f"gate {gate.key} has no item {item_key!r}")
    if not reason.strip():
        raise Forbidden("a waiver needs a reason")
    allowed = [r for r in gate.signoff.waiver_roles if r in held_roles]
    if not allowed:
        roles = ", ".join(gate.signoff.waiver_roles) or "nobody"
        raise Forbidden(f"only {roles} may waive items of gate {gate.key}")
    return allowed[0]
