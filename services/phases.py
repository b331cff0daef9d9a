"""Phase life: may it run, reach a gate, pass a gate, open the next phase (runs: services.runs)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from implflow.core.errors import Conflict
from implflow.gates.rules import Evaluation, check_four_eyes_holds
from implflow.gates.rules import evaluate as evaluate_gate
from implflow.services import documents, lookup
from implflow.services import facts as facts_
from implflow.store import audit
from implflow.store.models import GateRecord, PhaseState, Project, utcnow


def state(session: Session, proj: Project, phase_key: str) -> PhaseState:
    return session.exec(
        select(PhaseState).where(
            PhaseState.project_id == proj.id, PhaseState.phase_key == phase_key
        )
    ).one()


def blocking_gate(session: Session, proj: Project, phase_key: str) -> GateRecord | None:
    """The first gate before `phase_key` that has not passed."""
    order = lookup.phase_def(proj, phase_key).order
    stmt = (
        select(GateRecord)
        .join(
            PhaseState,
            (PhaseState.project_id == GateRecord.project_id)
            & (PhaseState.phase_key == GateRecord.phase_key),
        )
        .where(
            GateRecord.project_id == proj.id,
            PhaseState.order < order,
            GateRecord.status != "passed",
        )
        .order_by(PhaseState.order, col(GateRecord.id))
    )
    return session.exec(stmt).first()


def check_runnable(session: Session, project_key: str, phase_key: str) -> PhaseState:
    """Refuse to run a phase whose previous gate has not passed, naming that gate."""
    proj = lookup.project(session, project_key)
    lookup.phase_def(proj, phase_key)
    st = state(session, proj, phase_key)
    if st.status == "locked":
        gate = blocking_gate(session, proj, phase_key)
        why = f"gate {gate.gate_key} of phase {gate.phase_key} has not passed" if gate else "locked"
        raise Conflict(f"phase {phase_key} cannot run yet: {why}")
    return st


def pending_gates(session: Session, project_key: str, phase_key: str) -> list[str]:
    """The phase's gates not yet passed, in methodology order."""
    proj = lookup.project(session, project_key)
    done = {
        r.gate_key
        for r in session.exec(
            select(GateRecord).where(
                GateRecord.project_id == proj.id, GateRecord.status == "passed"
            )
        )
    }
    return [g.key for g in lookup.phase_def(proj, phase_key).gates if g.key not in done]


def arrive(session: Session, *, project_key: str, gate_key: str, actor: str) -> dict[str, str]:
    """The flow reaches a gate: open it (SLA clock starts) and render its draft documents."""
    from implflow.services.gates import context

    ctx = context(session, project_key, gate_key, lock=True)
    if ctx.rec.status == "pending":
        now = utcnow()
        ctx.rec.status, ctx.rec.opened_at = "open", now
        ctx.rec.due_at = now + timedelta(days=ctx.gate.sla_days)
        ctx.rec.version += 1
        session.add(ctx.rec)
        audit.append(
            session,
            chain=project_key,
            actor=actor,
            action="gate.open",
            target=gate_key,
            detail={"due": ctx.rec.due_at.isoformat()},
        )
    return documents.render_drafts(session, ctx.proj, ctx.rec, ctx.phase, ctx.gate, actor=actor)


def evaluate(session: Session, *, project_key: str, gate_key: str) -> Evaluation:
    from implflow.services.gates import context

    ctx = context(session, project_key, gate_key, lock=False)
    return facts_.evaluation(session, ctx.proj, ctx.rec, ctx.gate)


def pass_gate(session: Session, *, project_key: str, gate_key: str, actor: str) -> list[str]:
    """Freeze a met gate's documents, mark it passed, and open the next phase when due.

    Returns the paths of the frozen documents. Re-checks the gate under the project lock.
    """
    from implflow.services.gates import context

    ctx = context(session, project_key, gate_key, lock=True)
    if ctx.rec.status == "passed":
        return []
    facts = facts_.gather(session, ctx.proj, ctx.rec, ctx.gate)
    ev = evaluate_gate(ctx.gate, facts)
    if not ev.met:
        raise Conflict(f"gate {gate_key} is not met: waits for {ev.waiting_for()}")
    check_four_eyes_holds(ctx.gate, facts)  # again now: a later waiver may have broken it
    frozen = documents.freeze(session, ctx.proj, ctx.rec, ctx.phase, ctx.gate, actor=actor)
    ctx.rec.status, ctx.rec.passed_at = "passed", utcnow()
    ctx.rec.version += 1
    session.add(ctx.rec)
    audit.append(session, chain=project_key, actor=actor, action="gate.pass", target=gate_key)
    _maybe_close_phase(session, ctx.proj, ctx.phase.key, actor)
    return [d.path for d in frozen]


def _maybe_close_phase(session: Session, proj: Project, phase_key: str, actor: str) -> None:
    session.flush()
    if pending_gates(session, proj.key, phase_key):
        return
    st = state(session, proj, phase_key)
    st.status, st.passed_at = "passed", utcnow()
    session.add(st)
    audit.append(session, chain=proj.key, actor=actor, action="phase.pass", target=phase_key)
    nxt = lookup.methodology(proj).next_phase(phase_key)
    if nxt is not None:
        ns = state(session, proj, nxt.key)
        ns.status, ns.opened_at = "open", utcnow()
        session.add(ns)
        audit.append(session, chain=proj.key, actor=actor, action="phase.open", target=nxt.key)
