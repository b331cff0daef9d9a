"""The registry of computed criteria: named functions evaluated against the project's data.

A criterion is `fn(data: ProjectData, **params) -> CriterionResult`; later features register
more with `@criterion("name")` without touching the gate code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel

from implflow.core.errors import InvalidInput, NotFound
from implflow.gates.rules import CriterionResult

CriterionFn = Callable[..., CriterionResult]
_REGISTRY: dict[str, CriterionFn] = {}


class ProjectData(Protocol):
    def records(self, kind: str) -> list[Any]: ...


def criterion(name: str) -> Callable[[CriterionFn], CriterionFn]:
    """Register a criterion function under `name` (the name packs refer to)."""

    def register(fn: CriterionFn) -> CriterionFn:
        _REGISTRY[name] = fn
        return fn

    return register


def registered() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def evaluate_criterion(name: str, data: ProjectData, params: dict[str, Any]) -> CriterionResult:
    """Run the named criterion; unknown names and bad parameters are domain errors."""
    _load_builtin()
    fn = _REGISTRY.get(name)
    if fn is None:
        raise NotFound(f"unknown criterion function {name!r}")
    try:
        return fn(data, **params)
    except TypeError as exc:
        raise InvalidInput(f"criterion {name}: bad parameters {params}: {exc}") from exc


def _load_builtin() -> None:
    import implflow.gates.criteria  # noqa: F401  (registers the built-in criteria)
    import implflow.gates.migration_criteria  # noqa: F401


class RecordsData:
    """ProjectData over plain dicts grouped by kind, validated by the record schemas."""

    def __init__(self, raw: dict[str, list[dict[str, Any]]]) -> None:
        self._raw = raw

    def records(self, kind: str) -> list[BaseModel]:
        from implflow.projectdata.records import KINDS

        schema = KINDS[kind]
        return [schema.model_validate(d) for d in self._raw.get(kind, [])]
