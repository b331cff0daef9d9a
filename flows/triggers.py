"""The phase triggers the faces hand to `services.actions.sign`: in-process or a deployment.

Each satisfies `services.trigger.PhaseTrigger`; Prefect is imported only when one starts.
"""

from __future__ import annotations

from implflow.core.settings import get_settings
from implflow.services.trigger import PhaseTrigger


class InProcessTrigger:
    """Run the phase flow here and now, until it ends or waits at its next gate."""

    def start(self, project_key: str, phase_key: str) -> str:
        from implflow.flows.runner import run_phase

        return str(run_phase(project_key, phase_key).name)


class DeploymentTrigger:
    """Ask the served deployment to run the phase; returns at once with its state."""

    def start(self, project_key: str, phase_key: str) -> str:
        from implflow.flows.runner import schedule_phase

        return schedule_phase(project_key, phase_key)


def from_settings() -> PhaseTrigger:
    """The trigger IMPLFLOW_TRIGGER names: `inprocess` (default) or `deployment`."""
    if get_settings().trigger == "deployment":
        return DeploymentTrigger()
    return InProcessTrigger()
