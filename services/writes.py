"""The writes a face may ask for, and the mark that names one on a service function.

Kept apart from `services.permissions` (which reads the store and the pack) so that any
service can be marked without an import cycle; `services.uow` authorizes every marked call.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Action(StrEnum):
    """The writes a face may ask for; the project actions are named as in the pack."""

    CREATE_PROJECT = "create_project"
    ADD_MEMBERS = "add_members"
    IMPORT_DATA = "import_data"
    REGISTER_MIGRATION = "register_migration"
    RUN_PHASE = "run_phase"
    COMPLETE_ITEM = "complete_item"
    WAIVE_ITEM = "waive_item"
    SIGN = "sign"
    REJECT = "reject"
    RECORD_PAPER_SIGNATURE = "record_paper_signature"


def requires(action: Action) -> Callable[[F], F]:
    """Mark a service function as the write `action`: the unit of work authorizes it first."""

    def mark(fn: F) -> F:
        fn.__implflow_action__ = action  # type: ignore[attr-defined]
        return fn

    return mark


def required_action(fn: Callable[..., Any]) -> Action | None:
    """The action a service function was marked with, or None (not a governed write)."""
    return getattr(fn, "__implflow_action__", None)
