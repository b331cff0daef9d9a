"""The console's own settings (IMPLFLOW_CONSOLE_*) and the secret that signs its cookies."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FILE = "console-secret"


class ConsoleSettings(BaseSettings):
    """Limits and behaviour of the web console; every field reads IMPLFLOW_CONSOLE_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="IMPLFLOW_CONSOLE_", extra="ignore")

    upload_types: tuple[str, ...] = Field(
        default=(".pdf", ".png", ".jpg", ".jpeg", ".txt", ".csv", ".md", ".xlsx", ".docx"),
        description="File name endings accepted as evidence (checked with the content).",
    )
    session_days: int = Field(default=1, gt=0, description="Lifetime of a console session.")
    https_only: bool = Field(default=False, description="Mark the session cookie Secure.")


@lru_cache(maxsize=1)
def get_console_settings() -> ConsoleSettings:
    """The process's console settings; tests clear the cache after changing the env."""
    return ConsoleSettings()


def secret_key(home: Path) -> str:
    """The key that signs session cookies: created once under IMPLFLOW_HOME, mode 0600.

    Written to a private temporary file and linked into place: several workers starting at
    once all end up with the one key that won the link, never a half-written file.
    """
    path = home / SECRET_FILE
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        tmp = home / f".{SECRET_FILE}.{secrets.token_hex(8)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="ascii").strip()
