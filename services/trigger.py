"""What starts a phase once its gate is satisfied: handed in at the edge, never imported here.

Services decide that a gate is met; *how* the phase runs on is the face's choice: the CLI
hands an in-process runner (or a Prefect deployment in served mode), the console a background
worker. Implementations live in `flows.triggers`; services only see this protocol.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class PhaseTrigger(Protocol):
    """Starts (or schedules) a phase flow; returns a one-word state such as `PhasePassed`."""

    def start(self, project_key: str, phase_key: str) -> str: ...
