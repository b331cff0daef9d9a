"""Reconciliation on two legs (counts and amounts; key by key) and its result for the gates."""

from implflow.datamigration.reconcile.legs import reconcile
from implflow.datamigration.reconcile.result import ReconResult, check_thresholds
from implflow.datamigration.reconcile.tables import reconcile_streams, reconcile_tables

__all__ = [
    "ReconResult",
    "check_thresholds",
    "reconcile",
    "reconcile_streams",
    "reconcile_tables",
]
