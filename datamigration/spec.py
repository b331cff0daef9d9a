"""The declarative migration spec (YAML, validated by pydantic; errors name file, line, field)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from implflow.core.errors import MigrationError, PackError
from implflow.methodology import yamlmarks


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsvSource(_Spec):
    path: Path
    encoding: str = "utf-8"
    delimiter: str = ","


class SqlSource(_Spec):
    url: str
    table: str | None = None
    query: str | None = None
    order_by: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one(self) -> SqlSource:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of table or query")
        return self


class Source(_Spec):
    csv: CsvSource | None = None
    sql: SqlSource | None = None

    @model_validator(mode="after")
    def _one(self) -> Source:
        if (self.csv is None) == (self.sql is None):
            raise ValueError("give exactly one of csv or sql")
        return self


class Target(_Spec):
    url: str
    table: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    # the pilot's table (default `<table>_pilot`): never the target table itself
    staging_table: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    create: bool = True

    @model_validator(mode="after")
    def _apart(self) -> Target:
        if self.staging_table == self.table:
            raise ValueError(
                "staging_table must differ from table: the full run would take the pilot's "
                "rows for source duplicates"
            )
        return self


class FieldSpec(_Spec):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    source: str | None = None
    value: str | None = None
    field: str | None = None  # derive from an earlier target field's cleansed value
    type: Literal["str", "int", "decimal", "date", "bool"] = "str"
    rules: list[str | dict[str, Any]] = Field(default_factory=list)
    required: bool = False


class Dedup(_Spec):
    keep: Literal["first", "latest"] = "first"


class Amount(_Spec):
    column: str
    currency_column: str


class Sample(_Spec):
    percent: float | None = Field(default=None, gt=0, le=100)
    keys: list[str] | None = None
    first_n: int | None = Field(default=None, gt=0)
    group_by: str | None = None


class MigrationSpec(_Spec):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    source: Source
    target: Target
    key: list[str] = Field(min_length=1)
    fields: list[FieldSpec] = Field(min_length=1)
    dedup: Dedup = Dedup()
    amount: Amount | None = None
    rates: Path | None = None
    base_currency: str = "EUR"
    batch_size: int = Field(default=10_000, gt=0)
    sample: Sample = Sample(percent=5)
    plugins: list[str] = Field(default_factory=list)
    base_dir: Path = Path(".")

    @model_validator(mode="after")
    def _names(self) -> MigrationSpec:
        names = [f.name for f in self.fields]
        for k in self.key:
            if k not in names:
                raise ValueError(f"key column {k!r} is not a field")
        if self.amount and {self.amount.column, self.amount.currency_column} - set(names):
            raise ValueError("amount column and currency column must be fields")
        return self

    def path(self, p: Path) -> Path:
        return p if p.is_absolute() else self.base_dir / p

    @property
    def target_url(self) -> str:
        """The target URL, a relative SQLite path taken from the spec's folder."""
        url = self.target.url
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            return f"sqlite:///{self.base_dir / url.removeprefix('sqlite:///')}"
        return url

    @property
    def sha256(self) -> str:
        body = self.model_dump(mode="json", exclude={"base_dir"})
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()

    @property
    def rates_sha256(self) -> str:
        if self.rates is None:
            return ""
        return hashlib.sha256(self.path(self.rates).read_bytes()).hexdigest()


def load_spec(path: Path) -> MigrationSpec:
    """Read and validate a spec; paths inside it are relative to the spec's folder."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MigrationError(f"{path}: cannot read the spec: {exc.strerror}") from None
    data, lines = yamlmarks.parse(text, str(path))
    if not isinstance(data, dict):
        raise PackError(str(path), 1, "document", "a spec is a mapping")
    data = {**data, "base_dir": str(path.parent.resolve())}
    from pydantic import ValidationError

    try:
        return MigrationSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        raise PackError(
            str(path),
            yamlmarks.line_of(lines, loc),
            yamlmarks.field_name(loc),
            err["msg"].removeprefix("Value error, "),
        ) from None
