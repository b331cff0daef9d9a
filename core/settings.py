"""Settings from the environment (prefix IMPLFLOW_), reached through get_settings()."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """implflow's configuration; every field reads IMPLFLOW_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="IMPLFLOW_", extra="ignore")

    home: Path = Field(
        default=Path("~/.implflow"), description="Folder for the SQLite store and documents."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the store; SQLite under home when unset."
    )
    trigger: Literal["inprocess", "deployment"] = Field(
        default="inprocess",
        description="How a satisfied gate runs its phase again: in this process (embedded "
        "default) or through the served deployment `phase-<key>/<key>` (prefect.yaml).",
    )

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser()

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home_dir / 'implflow.db'}"

    @property
    def documents_dir(self) -> Path:
        return self.home_dir / "documents"

    @property
    def evidence_dir(self) -> Path:
        return self.home_dir / "evidence"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; tests call get_settings.cache_clear() after changing the env."""
    return Settings()
