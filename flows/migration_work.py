"""Phase 3's own work: before its gates, migrate and reconcile every registered spec.

A project registers its migration specs as `migration_spec` records ({"path": ...}); the
reconciliations become `reconciliation` records, which the gates' criteria and documents read.
"""

from __future__ import annotations

from pathlib import Path

from prefect import task

from implflow.services import actions, lookup, records
from implflow.store.db import session_scope

STAGES = {"pilot-migration-passed": "pilot", "full-migration-verified": "full"}


@task
def registered_specs(project: str) -> list[str]:
    """The migration specs registered on the project."""
    with session_scope() as s:
        data = records.by_kind(s, lookup.project(s, project))
    return [r["path"] for r in data.get("migration_spec", [])]


@task
def record_reconciliation(project: str, recon: dict) -> None:  # type: ignore[type-arg]
    """Keep the reconciliation as the project's record (audited)."""
    actions.run(
        records.upsert_many,
        project_key=project,
        actor="implflow",
        records={"reconciliation": {f"{recon['object']}-{recon['stage']}": recon}},
    )


def before_gate(project: str, gate: str) -> None:
    """Migrate and reconcile each spec for the gate's stage (nothing for other gates)."""
    stage = STAGES.get(gate)
    if stage is None:
        return
    from implflow.datamigration import tasks as mig

    for path in registered_specs(project):
        fp = mig.fingerprint(Path(path))
        mig.migrate(path, stage, fp)
        record_reconciliation(project, mig.reconcile(path, stage, fp))
