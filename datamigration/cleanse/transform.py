"""A spec compiled into one row transformer: raw source row → target values, or the reasons."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import implflow.datamigration.cleanse.rules_values  # noqa: F401  (registers the value rules)
import implflow.datamigration.cleanse.rules_zh  # noqa: F401  (registers the Chinese rules)
from implflow.core.errors import MigrationError
from implflow.datamigration.cleanse.rules import RULES, Reject, RuleContext, RuleFn
from implflow.datamigration.cleanse.rules_values import RateTable
from implflow.datamigration.spec import FieldSpec, MigrationSpec


class Rejected(Exception):
    """A row no rule could make valid; `reasons` names each field at fault."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _to_int(v: Any) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        raise Reject(f"not an integer: {v!r}") from None


def _to_decimal(v: Any) -> Decimal:
    if isinstance(v, Decimal):
        return v
    try:
        return Decimal(str(v).strip())
    except InvalidOperation:
        raise Reject(f"not a number: {v!r}") from None


def _to_date(v: Any) -> dt.date:
    if isinstance(v, dt.date):
        return v
    from implflow.datamigration.cleanse.rules_values import parse_date

    return parse_date(str(v))


def _to_bool(v: Any) -> bool:
    s = str(v).strip().lower()
    if s in ("1", "true", "yes", "y", "是"):
        return True
    if s in ("0", "false", "no", "n", "否", ""):
        return False
    raise Reject(f"not a boolean: {v!r}")


TYPES: dict[str, Callable[[Any], Any]] = {
    "str": lambda v: v if isinstance(v, str) else str(v),
    "int": _to_int,
    "decimal": _to_decimal,
    "date": _to_date,
    "bool": _to_bool,
}


_MISS = object()


class _Refused:
    """A memoised rejection: the reason only."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


BUILTIN = frozenset(RULES)  # custom rules may read the row: never memoised
MEMO_PROBE, MEMO_MAX = 20_000, 200_000


class FieldPlan:
    """One target field: where its value comes from, its rules and its type.

    Fields whose rules do not look at the row are memoised on the raw value (dates,
    currencies, countries repeat); a memo whose values rarely repeat switches itself off.
    """

    def __init__(
        self, spec: FieldSpec, index: int | None, rules: list[RuleFn], uses_row: bool
    ) -> None:
        self.name, self.index, self.const = spec.name, index, spec.value
        self.derived = spec.field  # the value of an earlier target field, already cleansed
        self.dependent = uses_row or spec.field is not None
        self.rules, self.required = rules, spec.required
        self.convert = None if spec.type == "str" else TYPES[spec.type]
        self.memo: dict[Any, Any] | None = None if uses_row else {}

    def lookup(self, v: Any, row: dict[str, Any], rows_seen: int) -> Any:
        """The field's value, from the memo when it holds it."""
        memo = self.memo
        if memo is not None:
            hit = memo.get(v, _MISS)
            if hit is not _MISS and hit.__class__ is not _Refused:
                return hit
        return self.value(v, row, rows_seen)

    def value(self, v: Any, row: dict[str, Any], rows_seen: int) -> Any:
        """The field's value (slow path: computes, and memoises when that pays)."""
        try:
            result = self._compute(v, row)
        except Reject as exc:
            result = _Refused(str(exc))  # not the exception: its traceback pins whole batches
        memo = self.memo
        if memo is not None:
            n = len(memo)
            if n >= MEMO_MAX or (n >= MEMO_PROBE and rows_seen < n * 1.25):
                self.memo = None  # under 20% hits: memoising only costs memory
            else:
                memo[v] = result
        if result.__class__ is _Refused:
            raise Reject(result.reason)
        return result

    def _compute(self, v: Any, row: dict[str, Any]) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            if self.required:
                raise Reject("missing value")
            return None
        for rule in self.rules:
            v = rule(v, row)
        return v if self.convert is None else self.convert(v)


class Transformer:
    """Applies the compiled plan; `columns` is the target column order of the output tuple."""

    def __init__(self, plans: list[FieldPlan], key: list[str], rates: RateTable | None) -> None:
        self.plans, self.rates = plans, rates
        self.columns = [p.name for p in plans]
        # the per-field facts apply() reads, unpacked once (attribute reads cost in the loop)
        self._steps = [(p.name, p, p.index, p.derived, p.dependent) for p in plans]
        self.key_index = [self.columns.index(k) for k in key]
        self.rows = 0

    def apply(self, raw: list[str]) -> tuple[Any, ...]:
        self.rows += 1
        out: dict[str, Any] = {}
        reasons: list[str] | None = None
        for name, p, index, derived, dependent in self._steps:
            if reasons and dependent:  # a consequence of an earlier rejection, not a cause
                out[name] = None
                continue
            v = raw[index] if index is not None else out[derived] if derived else p.const
            memo = p.memo
            if memo is not None:
                hit = memo.get(v, _MISS)
                if hit is not _MISS and hit.__class__ is not _Refused:
                    out[name] = hit
                    continue
            try:
                out[name] = p.value(v, out, self.rows)
            except Reject as exc:
                reasons = (reasons or []) + [f"{name}: {exc}"]
                out[name] = None
        if reasons:
            raise Rejected(reasons)
        return tuple(out.values())

    def key(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(values[i] for i in self.key_index)


def _plugin_file(spec: MigrationSpec, module: str) -> Path | None:
    """A plugin module next to the spec (`name.py` or a package folder), if there is one."""
    base = spec.base_dir.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _plugin_source(spec: MigrationSpec, module: str) -> Path | None:
    """Where the plugin's code is: next to the spec, else wherever Python would import it."""
    found = _plugin_file(spec, module)
    if found is not None:
        return found
    try:
        located = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        located = None
    if located is None or not located.origin or not Path(located.origin).is_file():
        raise MigrationError(
            f"spec {spec.name}: plugins: {module!r} is neither a file next to the spec "
            f"({spec.base_dir}) nor an importable module"
        )
    return Path(located.origin)


def plugins_sha256(spec: MigrationSpec) -> str:
    """One hash of every plugin's source: part of a run's identity and of its record."""
    if not spec.plugins:
        return ""
    h = hashlib.sha256()
    for module in spec.plugins:
        path = _plugin_source(spec, module)
        assert path is not None
        h.update(f"{module}\0".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def load_plugins(spec: MigrationSpec) -> None:
    """Import the spec's plugins; a file next to the spec loads without PYTHONPATH."""
    for module in spec.plugins:
        path = _plugin_file(spec, module)
        try:
            if path is None:
                importlib.import_module(module)
            else:
                _exec_file(module, path)
        except MigrationError:
            raise
        except Exception as exc:  # noqa: BLE001 - any error in the plugin's code: one line
            raise MigrationError(
                f"spec {spec.name}: plugin {module!r} cannot be loaded: {type(exc).__name__}: {exc}"
            ) from None


def _exec_file(module: str, path: Path) -> None:
    """Run the plugin file as `module` (again each time: a fixed plugin takes effect)."""
    loaded = importlib.util.spec_from_file_location(module, path)
    if loaded is None or loaded.loader is None:
        raise MigrationError(f"plugin {module!r}: cannot load {path}")
    mod = importlib.util.module_from_spec(loaded)
    sys.modules[module] = mod
    loaded.loader.exec_module(mod)


def compile_spec(spec: MigrationSpec, header: list[str]) -> Transformer:
    """Compile the spec against the source header; unknown columns or rules are refused."""
    load_plugins(spec)
    rates = RateTable(spec.path(spec.rates), spec.base_currency) if spec.rates else None
    index = {name: i for i, name in enumerate(header)}
    plans = []
    for f in spec.fields:
        if f.source is not None and f.source not in index:
            raise MigrationError(
                f"spec {spec.name}: field {f.name}: source column "
                f"{f.source!r} is not in the source ({', '.join(header)})"
            )
        if sum(x is not None for x in (f.source, f.value, f.field)) != 1:
            raise MigrationError(
                f"spec {spec.name}: field {f.name} needs exactly one of source, value or field"
            )
        if f.field is not None and f.field not in [g.name for g in plans]:
            raise MigrationError(
                f"spec {spec.name}: field {f.name}: field {f.field!r} must be an earlier field"
            )
        ctx = RuleContext(f.name, rates)
        names = [r if isinstance(r, str) else next(iter(r)) for r in f.rules]
        uses_row = any(n == "convert" or n not in BUILTIN for n in names)
        rules = [_rule(spec, f, r, ctx) for r in f.rules]
        plans.append(FieldPlan(f, index.get(f.source) if f.source else None, rules, uses_row))
    return Transformer(plans, spec.key, rates)


def _rule(spec: MigrationSpec, f: FieldSpec, rule: str | dict[str, Any], ctx: RuleContext):
    name, params = (rule, None) if isinstance(rule, str) else next(iter(rule.items()))
    factory = RULES.get(name)
    if factory is None:
        raise MigrationError(f"spec {spec.name}: field {f.name}: unknown rule {name!r}")
    try:
        return factory(params, ctx)
    except (KeyError, TypeError, ValueError) as exc:
        raise MigrationError(
            f"spec {spec.name}: field {f.name}: rule {name}: bad parameters ({exc})"
        ) from None
