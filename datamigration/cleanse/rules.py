"""Cleansing rules: named, parameterised, compiled once per spec into plain closures.

A rule is `factory(params, ctx) -> fn(value, row) -> value`; `row` holds the target fields
mapped so far. A rejected value raises `Reject(reason)`. Custom rules register by name with
`@register_rule("name")` (a spec may import them through `plugins:`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

RuleFn = Callable[[Any, dict[str, Any]], Any]
Factory = Callable[[Any, "RuleContext"], RuleFn]
RULES: dict[str, Factory] = {}
CENT = Decimal("0.01")


class Reject(Exception):
    """A value that no rule can make valid; the message is the reason."""


class RuleContext:
    """What rules may need beyond their parameters: the field name and the rate table."""

    def __init__(self, field: str, rates: Any = None) -> None:
        self.field, self.rates = field, rates


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A spec's regular expression; a malformed one is a ValueError naming the pattern."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"pattern {pattern!r}: {exc}") from None


def register_rule(name: str) -> Callable[[Factory], Factory]:
    """Register a rule factory under `name`."""

    def add(factory: Factory) -> Factory:
        RULES[name] = factory
        return factory

    return add


def simple(name: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register a parameterless rule written as fn(value) -> value."""

    def add(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        RULES[name] = lambda params, ctx: lambda v, row: fn(v)
        return fn

    return add


@simple("trim")
def _trim(v: Any) -> Any:
    return v.strip() if isinstance(v, str) else v


@simple("collapse_spaces")
def _collapse(v: Any) -> Any:
    return " ".join(v.split()) if isinstance(v, str) else v


@simple("upper")
def _upper(v: Any) -> Any:
    return v.upper()


@simple("lower")
def _lower(v: Any) -> Any:
    return v.lower()


@simple("title")
def _title(v: Any) -> Any:
    return v.title()


FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


@simple("fullwidth_to_halfwidth")
def _halfwidth(v: Any) -> Any:
    return v.translate(FULLWIDTH)


@register_rule("code")
def _code(params: dict[str, Any], ctx: RuleContext) -> RuleFn:
    """Extract a number with `pattern` (first group or match) and format it, e.g. CUS-{:07d}."""
    pattern = compile_pattern(params.get("pattern", r"\d+"))
    fmt = params["format"]
    try:
        fmt.format(1)  # a bad format code is refused now, not at the first row
    except (ValueError, IndexError, KeyError) as exc:
        raise ValueError(f"format {fmt!r}: {exc}") from None

    def fn(v: Any, row: dict[str, Any]) -> Any:
        m = pattern.search(v.translate(FULLWIDTH))
        if m is None:
            raise Reject("no code in")
        digits = m.group(1) if m.groups() else m.group(0)
        return fmt.format(int(digits))

    return fn


@register_rule("map")
def _map(params: dict[str, Any], ctx: RuleContext) -> RuleFn:
    """Look the value up (case-insensitive); unknown values are rejected unless `keep`."""
    table = {str(k).strip().upper(): v for k, v in params["values"].items()}
    keep = params.get("keep", False)

    def fn(v: Any, row: dict[str, Any]) -> Any:
        found = table.get(v.strip().upper())
        if found is None:
            if keep:
                return v
            raise Reject("unknown value")
        return found

    return fn


@register_rule("regex")
def _regex(params: Any, ctx: RuleContext) -> RuleFn:
    pattern = compile_pattern(params if isinstance(params, str) else params["pattern"])

    def fn(v: Any, row: dict[str, Any]) -> Any:
        if not pattern.fullmatch(str(v)):
            raise Reject(f"does not match {pattern.pattern}")
        return v

    return fn


@register_rule("allowed")
def _allowed(params: Any, ctx: RuleContext) -> RuleFn:
    allowed = set(params)

    def fn(v: Any, row: dict[str, Any]) -> Any:
        if v not in allowed:
            raise Reject("value not allowed")
        return v

    return fn


@register_rule("range")
def _range(params: dict[str, Any], ctx: RuleContext) -> RuleFn:
    lo, hi = params.get("min"), params.get("max")
    lo = Decimal(str(lo)) if lo is not None else None
    hi = Decimal(str(hi)) if hi is not None else None

    def fn(v: Any, row: dict[str, Any]) -> Any:
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise Reject("out of range")
        return v

    return fn


STREET = re.compile(r"str(?:\.|asse|aße)?(?=\s|$)", re.IGNORECASE)


@simple("street")
def _street(v: Any) -> Any:
    s = STREET.sub("straße", " ".join(v.split()).lower())
    return s[:1].upper() + s[1:]


@register_rule("postal_code")
def _postal(params: Any, ctx: RuleContext) -> RuleFn:
    length = (params or {}).get("length", 5) if isinstance(params, dict) else 5
    nondigit = re.compile(r"\D+")

    def fn(v: Any, row: dict[str, Any]) -> Any:
        pc = nondigit.sub("", v.translate(FULLWIDTH))
        if len(pc) != length:
            raise Reject("invalid postal code")
        return pc

    return fn


COUNTRY = {
    "DE": "DE",
    "DEU": "DE",
    "GERMANY": "DE",
    "DEUTSCHLAND": "DE",
    "CN": "CN",
    "CHN": "CN",
    "CHINA": "CN",
    "中国": "CN",
    "US": "US",
    "USA": "US",
    "FR": "FR",
    "FRA": "FR",
    "FRANCE": "FR",
    "GB": "GB",
    "GBR": "GB",
    "UK": "GB",
    "CH": "CH",
    "CHE": "CH",
    "SWITZERLAND": "CH",
}
CURRENCY = {
    "EUR": "EUR",
    "€": "EUR",
    "USD": "USD",
    "$": "USD",
    "US$": "USD",
    "GBP": "GBP",
    "£": "GBP",
    "CHF": "CHF",
    "CNY": "CNY",
    "RMB": "CNY",
    "¥": "CNY",
    "人民币": "CNY",
    "JPY": "JPY",
    "HKD": "HKD",
    "HK$": "HKD",
    "￥": "CNY",
    "元": "CNY",
    "人民币元": "CNY",
    "美元": "USD",
    "美金": "USD",
    "港币": "HKD",
    "港元": "HKD",
    "欧元": "EUR",
    "英镑": "GBP",
    "日元": "JPY",
    "瑞士法郎": "CHF",
}


@simple("country")
def _country(v: Any) -> Any:
    found = COUNTRY.get(v.strip().upper())
    if found is None:
        raise Reject("unknown country")
    return found


@register_rule("currency")
def _currency(params: Any, ctx: RuleContext) -> RuleFn:
    """A currency spelling → its ISO code; `aliases:` in the spec adds or overrides spellings
    (e.g. {美金: USD, 港纸: HKD})."""
    aliases = (params or {}).get("aliases", {}) if isinstance(params, dict) else {}
    if not isinstance(aliases, dict):
        raise ValueError("aliases must map a spelling to a currency code")
    table = CURRENCY | {str(k).strip().upper(): str(v).strip().upper() for k, v in aliases.items()}

    def fn(v: Any, row: dict[str, Any]) -> Any:
        found = table.get(v.strip().translate(FULLWIDTH).upper()) or table.get(v.strip())
        if found is None:
            raise Reject("unknown currency")
        return found

    return fn
