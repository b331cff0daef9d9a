"""Prefect's environment for implflow, set before Prefect is imported."""

from __future__ import annotations

import os

from implflow.core.settings import get_settings


def prepare() -> None:
    """Embedded default: Prefect's home under IMPLFLOW_HOME, no analytics, quiet logs.

    PREFECT_API_URL is left unset so Prefect starts its temporary server (an empty value
    silently loses events).
    """
    home = get_settings().home_dir
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    if os.environ.get("PREFECT_API_URL") == "":
        del os.environ["PREFECT_API_URL"]
