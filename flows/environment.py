"""Prefect's environment for implflow, set before Prefect is imported."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import yaml

from implflow.core.settings import get_settings


def prepare(*, console_logs: bool = False) -> None:
    """Embedded default: Prefect's home under IMPLFLOW_HOME, no analytics, logs to a file.

    PREFECT_API_URL is left unset so Prefect starts its temporary server (an empty value
    silently loses events); that server is guarded so it never outlives this process.
    Prefect's log lines (a failed run's tracebacks among them) go to `logs/prefect.log`
    unless `console_logs`: the command's own output is the one line users read.
    """
    home = get_settings().home_dir
    os.environ.setdefault("PREFECT_HOME", str(home / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    if os.environ.get("PREFECT_API_URL") == "":
        del os.environ["PREFECT_API_URL"]
    if not console_logs:
        os.environ.setdefault("PREFECT_LOGGING_CONFIG_PATH", str(_file_logging(home / "logs")))
    _guard_temporary_server()


def _file_logging(folder: Path) -> Path:
    """Prefect's own logging configuration with its console handler writing to a file."""
    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.submodule_search_locations
    default = Path(spec.submodule_search_locations[0]) / "logging" / "logging.yml"
    config = yaml.safe_load(default.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    config["handlers"]["console"] = {
        "level": 0,
        "class": "logging.handlers.RotatingFileHandler",
        "formatter": "standard",
        "filename": str(folder / "prefect.log"),
        "maxBytes": 5_000_000,
        "backupCount": 3,
        "encoding": "utf-8",
    }
    path = folder / "prefect-logging.yml"
    text = yaml.safe_dump(config, sort_keys=False)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        tmp = path.with_name(f"{path.name}.{os.getpid()}")  # concurrent runs never see half
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return path


def _guard_temporary_server() -> None:
    """When Prefect will start a temporary server, make it one that dies with this process."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        return  # served mode: a real server that outlives us on purpose
    from implflow.flows.tempserver import install

    install()
