"""Phase 3's own work: before a gate whose criteria judge a migration, migrate and reconcile
every registered spec for the stage those criteria need.

Keyed on the criteria (`pilot_reconciled` → pilot, `full_reconciled` → full), not on the gate's
name, so a tailored pack that renames or moves the gate still migrates. A project registers its
specs as `migration_spec` records ({"path": ...}); each reconciliation is recorded by the
producer-only service, carrying the run that produced it.
"""

from __future__ import annotations

from pathlib import Path

from prefect import task

from implflow.gates.migration_criteria import STAGE_OF
from implflow.methodology.schema import Gate
from implflow.services import actions, lookup, records
from implflow.services import migration as migration_svc
from implflow.store.db import session_scope


@task
def registered_specs(project: str) -> list[str]:
    """The migration specs registered on the project."""
    with session_scope() as s:
        data = records.by_kind(s, lookup.project(s, project))
    return [r["path"] for r in data.get("migration_spec", [])]


def stages_of(gate: Gate) -> list[str]:
    """The migration stages the gate's criteria judge, in pilot-then-full order."""
    found = {STAGE_OF[c.function] for c in gate.criteria if c.function in STAGE_OF}
    return [st for st in ("pilot", "full") if st in found]


def stages_for(project: str, gate: str) -> list[str]:
    """The stages to migrate before the project's gate (as its tailored pack defines it)."""
    with session_scope() as s:
        _, g = lookup.gate_def(lookup.project(s, project), gate)
    return stages_of(g)


@task
def record_reconciliation(project: str, recon: dict) -> bool:  # type: ignore[type-arg]
    """Keep the reconciliation as the project's record (audited); True when it passes."""
    v = actions.run(
        migration_svc.record_reconciliation, project_key=project, recon=recon, actor="implflow"
    )
    return bool(v.ok)


def before_gate(project: str, gate: str) -> None:
    """Migrate and reconcile each spec for the stages the gate's criteria judge."""
    from implflow.flows import migration_tasks as mig

    for stage in stages_for(project, gate):
        for path in registered_specs(project):
            fp = mig.fingerprint(Path(path))
            mig.migrate(path, stage, fp)
            record_reconciliation(project, mig.reconcile(path, stage))
