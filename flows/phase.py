"""One Prefect flow per phase, and the engagement flow that runs them in order.

A phase flow that reaches an unmet gate renders and publishes the drafts and ends in the
final state `AwaitingSignoff`; nothing waits in a process. The last signature runs it again:
cached steps are skipped, the gate's documents are frozen and the next phase opens.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Completed, State

from implflow.flows import migration_work, tasks
from implflow.flows.runner import reason
from implflow.services.runs import FAILED

AWAITING = "AwaitingSignoff"
PASSED = "PhasePassed"


def _run_phase(project: str, phase: str) -> State:
    run_id = str(flow_run.get_id())
    tasks.record_start(project, phase, run_id)
    try:
        return _walk_gates(project, phase, run_id)
    except Exception as exc:
        _record_failure(run_id, exc)
        raise  # Prefect ends the run Failed and logs the traceback (to the log file)


def _record_failure(run_id: str, exc: Exception) -> None:
    """Keep the one-line reason on the run; a store that refuses must not hide the cause."""
    try:
        tasks.record_end(run_id, FAILED, reason(exc), [])
    except Exception:  # noqa: BLE001 - the original error is the one to report
        get_run_logger().exception("could not record the failed run %s", run_id)


def _walk_gates(project: str, phase: str, run_id: str) -> State:
    log = get_run_logger()
    cached: list[str] = []
    for gate in tasks.pending(project, phase):
        migration_work.before_gate(project, gate)
        prepared = tasks.prepare_gate(
            project, gate, tasks.fingerprint(project, gate), return_state=True
        )
        if prepared.name == "Cached":
            cached.append(f"prepare_gate:{gate}")
        tasks.publish(project, gate, prepared.result())
        met, waiting = tasks.evaluate_gate(project, gate)
        if not met:
            message = f"{gate} waits for {waiting}"
            log.info("%s: %s", project, message)
            tasks.record_end(run_id, AWAITING, message, cached)
            return Completed(name=AWAITING, message=message, data=gate)
        frozen = tasks.pass_gate(project, gate)
        log.info("%s: gate %s passed, %d documents frozen", project, gate, len(frozen))
    tasks.record_end(run_id, PASSED, f"phase {phase} passed", cached)
    return Completed(name=PASSED, message=f"phase {phase} passed", data=phase)


def _phase_flow(phase: str, title: str):  # type: ignore[no-untyped-def]
    @flow(name=f"phase-{phase}", flow_run_name="{project}-" + phase, description=title)
    def phase_flow(project: str) -> State:
        return _run_phase(project, phase)

    return phase_flow


requirements_phase = _phase_flow("requirements", "Requirements research and process mapping")
design_phase = _phase_flow("design", "Solution design and system configuration")
migration_phase = _phase_flow("migration", "Data preparation and migration")
training_golive_phase = _phase_flow("training-golive", "Tiered training and go-live support")
acceptance_phase = _phase_flow("acceptance", "Acceptance and continuous optimisation")

PHASE_FLOWS = {
    "requirements": requirements_phase,
    "design": design_phase,
    "migration": migration_phase,
    "training-golive": training_golive_phase,
    "acceptance": acceptance_phase,
}


@flow(name="phase", flow_run_name="{project}-{phase}")
def generic_phase(project: str, phase: str) -> State:
    """A phase of a tailored pack without a dedicated flow."""
    return _run_phase(project, phase)


@flow(name="engagement", flow_run_name="{project}")
def engagement(project: str, phases: list[str]) -> State:
    """Run the project's open phases in order until one waits at its gate."""
    state: State = Completed(message="nothing to run")
    for phase in phases:
        if not tasks.runnable(project, phase):
            break
        state = run_phase_flow(project, phase)
        if state.is_failed() or state.is_crashed():
            state.result()  # fail with the phase's own error, not a Completed named "Failed"
        if state.name != PASSED:
            break
    # a state of its own: returning the subflow's state would make this one plain Completed
    return Completed(name=state.name, message=state.message)


def run_phase_flow(project: str, phase: str) -> State:
    """Run the phase's flow (as a subflow inside a flow) and return its final state."""
    if phase in PHASE_FLOWS:
        return PHASE_FLOWS[phase](project, return_state=True)
    return generic_phase(project, phase, return_state=True)
