"""Loading: the source streamed in deterministic batches into the target, with its ledger."""

from implflow.datamigration.load.runner import (
    Progress,
    Runner,
    RunResult,
    default_run_id,
    latest_lines,
    run,
    target_table,
)
from implflow.datamigration.load.sources import Row, SourceReader
from implflow.datamigration.load.targets import Target, open_target

__all__ = [
    "Progress",
    "Row",
    "RunResult",
    "Runner",
    "SourceReader",
    "Target",
    "default_run_id",
    "latest_lines",
    "open_target",
    "run",
    "target_table",
]
