"""The registry of computed criteria: named functions evaluated against the project's data.

A criterion is `fn(data: ProjectData, **params) -> CriterionResult`; later features register
more with `@criterion("name")` without touching the gate code. Each declares its parameters
with types and ranges, either in its signature (`min_ratio: Ratio = 0.95`) or as a pydantic
model (`@criterion("name", params=Model)`), so a pack naming a parameter the function does
not take, of the wrong type or out of range is refused when it loads.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from implflow.core.errors import InvalidInput, NotFound
from implflow.gates.rules import CriterionResult

CriterionFn = Callable[..., CriterionResult]
_REGISTRY: dict[str, CriterionFn] = {}
_PARAMS: dict[str, type[BaseModel]] = {}

# Parameter types the built-in criteria share (use them in a criterion's signature).
Ratio = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]


class ProjectData(Protocol):
    def records(self, kind: str) -> list[Any]: ...


def criterion(
    name: str, params: type[BaseModel] | None = None
) -> Callable[[CriterionFn], CriterionFn]:
    """Register a criterion function under `name`; its parameters from `params` or its signature."""

    caller = inspect.currentframe()
    scope = dict(caller.f_back.f_locals) if caller and caller.f_back else {}  # local annotations

    def register(fn: CriterionFn) -> CriterionFn:
        _PARAMS[name] = params or params_of(name, fn, scope)
        _REGISTRY[name] = fn
        return fn

    return register


def params_of(name: str, fn: CriterionFn, scope: dict[str, Any] | None = None) -> type[BaseModel]:
    """A strict model of the keyword parameters after `data` (types and ranges as annotated)."""
    try:
        hints = typing.get_type_hints(fn, localns=scope, include_extras=True)
    except NameError as exc:
        raise TypeError(f"criterion {name}: cannot resolve its annotations: {exc}") from None
    fields: dict[str, Any] = {}
    for p in list(inspect.signature(fn).parameters.values())[1:]:
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or p.name not in hints:
            raise TypeError(f"criterion {name}: declare params=Model or annotate {p.name!r}")
        default = ... if p.default is p.empty else p.default
        fields[p.name] = (hints[p.name], default)
    config = ConfigDict(strict=True, extra="forbid", frozen=True)
    return create_model(f"{name}_params", __config__=config, **fields)


def registered() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def parameter_models() -> dict[str, type[BaseModel]]:
    """Each registered criterion's parameter model, by name (what a pack is checked against)."""
    _load_builtin()
    return dict(_PARAMS)


def evaluate_criterion(name: str, data: ProjectData, params: dict[str, Any]) -> CriterionResult:
    """Run the named criterion; unknown names and bad parameters are domain errors."""
    _load_builtin()
    fn = _REGISTRY.get(name)
    if fn is None:
        raise NotFound(f"unknown criterion function {name!r}")
    try:
        checked = _PARAMS[name].model_validate(params)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "params"
        raise InvalidInput(f"criterion {name}: bad parameters: {where}: {err['msg']}") from None
    return fn(data, **{k: getattr(checked, k) for k in type(checked).model_fields})


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
