"""Settings from the environment (prefix IMPLFLOW_), reached through get_settings()."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
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

    password_min_length: int = Field(
        default=12, ge=8, description="Shortest password an account may be given."
    )
    login_token_days: int = Field(
        default=7, gt=0, description="Lifetime of the token `implflow login` keeps."
    )
    login_free_failures: int = Field(
        default=3, ge=1, description="Failed log-ins for a handle before attempts are slowed."
    )
    login_delay_seconds: int = Field(
        default=2, gt=0, description="First wait after too many failures; doubles each time."
    )
    login_delay_max_seconds: int = Field(
        default=900, gt=0, description="Longest wait between log-in attempts for one handle."
    )
    signing_fresh_seconds: int = Field(
        default=300, ge=0, description="A log-in younger than this signs without the password."
    )
    argon2_time_cost: int = Field(default=3, ge=1, description="argon2id passes (RFC 9106).")
    argon2_memory_kib: int = Field(
        default=65536, ge=8, description="argon2id memory in KiB (RFC 9106 low-memory: 64 MiB)."
    )
    packs_dir: Path | None = Field(
        default=None,
        description="A folder of methodology packs (<name>-<version>.yaml) searched before "
        "the packs shipped with implflow.",
    )
    timezone: str = Field(
        default="UTC",
        description="IANA zone in which signatures show their time, e.g. Asia/Shanghai.",
    )
    api_url: str | None = Field(
        default=None,
        description="A console's URL: the CLI then calls its JSON API instead "
        "of opening the store.",
    )
    token: str | None = Field(
        default=None, description="An API token to act with instead of the saved log-in."
    )
    audit_key_file: Path | None = Field(
        default=None,
        description="The secret that keys the audit chain (HMAC-SHA256), created 0600 at first "
        "write; keep it outside the database. Default: <home>/audit.key. The chain heads' "
        "anchor is kept beside it (audit-anchor.json).",
    )
    evidence_max_bytes: int = Field(
        default=50 * 1024 * 1024, gt=0, description="Largest evidence file accepted, in bytes."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. UTC, Asia/Shanghai)") from None
        return value

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

    @property
    def audit_key_path(self) -> Path:
        return (self.audit_key_file or self.home / "audit.key").expanduser()

    @property
    def audit_anchor_path(self) -> Path:
        return self.audit_key_path.with_name("audit-anchor.json")

    @property
    def credentials_path(self) -> Path:
        return self.home_dir / "credentials"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; tests call get_settings.cache_clear() after changing the env.

    A bad value is one line naming its variable (InvalidInput), never a validation dump."""
    from pydantic import ValidationError

    from implflow.core.errors import InvalidInput

    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "IMPLFLOW_" + str(err["loc"][0]).upper() if err["loc"] else "IMPLFLOW_*"
        raise InvalidInput(f"setting {name}: {err['msg']}") from None
