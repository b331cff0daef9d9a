"""Prefect tasks of the migration steps, for the phase-3 flow.

Profiling and loading take the spec path and a fingerprint of spec, plugin code and source,
so a re-run of the phase skips what was done for the same inputs. The reconciliation is never
cached: it decides a gate, and only a fresh look at the target can see what is there now.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import INPUTS, NO_CACHE, TASK_SOURCE

from implflow.datamigration.spec import load_spec


def fingerprint(spec_path: Path) -> str:
    """The spec's hash, its plugins' code and the source's identity: what a step depends on."""
    from implflow.datamigration.load import SourceReader, default_run_id

    spec = load_spec(spec_path)
    return default_run_id(spec, "any", SourceReader(spec)).removeprefix(f"{spec.name}-any-")


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


@task(cache_policy=NO_CACHE, persist_result=False)
def reconcile(spec_path: str, mode: str) -> dict[str, Any]:
    """Reconcile the run on both legs against the target as it is now; the record."""
    from implflow.datamigration.reconcile import reconcile as recon

    return recon(load_spec(Path(spec_path)), mode).to_record()
