"""Prefect tasks of the migration steps, for the phase-3 flow (the only module here that
imports Prefect). Each takes the spec path and a fingerprint of spec and source, so a re-run
of the phase skips steps already done for the same inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import INPUTS, TASK_SOURCE

from implflow.datamigration.spec import load_spec


def fingerprint(spec_path: Path) -> str:
    """The spec's hash and the source's identity: what a cached step depends on."""
    from implflow.datamigration.sources import SourceReader

    spec = load_spec(spec_path)
    return f"{spec.sha256[:16]}-{SourceReader(spec).identity()}"


@task(cache_policy=INPUTS + TASK_SOURCE, persist_result=True)
def profile_source(spec_path: str, fingerprint: str) -> dict[str, Any]:
    """Profile the source's data quality."""
    from implflow.datamigration.profile import profile

    return profile(load_spec(Path(spec_path))).model_dump()


@task(cache_policy=INPUTS + TASK_SOURCE, persist_result=True, retries=2, retry_delay_seconds=5)
def migrate(spec_path: str, mode: str, fingerprint: str) -> dict[str, Any]:
    """Pilot or full run; safe to retry: a re-run resumes after the finished batches."""
    from implflow.datamigration.load import run

    return run(load_spec(Path(spec_path)), mode).model_dump()


@task(cache_policy=INPUTS + TASK_SOURCE, persist_result=True)
def reconcile(spec_path: str, mode: str, fingerprint: str) -> dict[str, Any]:
    """Reconcile the run on both legs; returns the store record for the gate."""
    from implflow.datamigration.recon import reconcile as recon

    return recon(load_spec(Path(spec_path)), mode).to_record()
