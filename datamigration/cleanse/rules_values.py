"""Rules that parse values: dates in several formats, amounts in several number formats,
currency conversion with a dated rate table."""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from implflow.core.errors import MigrationError
from implflow.datamigration.cleanse.rules import (
    CENT,
    FULLWIDTH,
    Reject,
    RuleContext,
    RuleFn,
    register_rule,
)

D_DE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
D_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
D_YMD = re.compile(r"^(\d{4})[/.年-](\d{1,2})[/.月-](\d{1,2})日?$")
D_CMP = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(s: str) -> dt.date:
    """ISO, dd.mm.yyyy, mm/dd/yyyy, yyyy/mm/dd, yyyymmdd and 2021年3月5日."""
    s = s.strip().translate(FULLWIDTH)
    try:
        if len(s) == 10 and s[4] == "-" and s[7] == "-":
            return dt.date.fromisoformat(s)
        if m := D_DE.match(s):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if m := D_US.match(s):
            return dt.date(int(m[3]), int(m[1]), int(m[2]))
        if (m := D_YMD.match(s)) or (m := D_CMP.match(s)):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise Reject("invalid date") from None
    raise Reject("unknown date format")


def parse_amount(s: str) -> Decimal:
    """'1234.56', '1.234,56', '1,234.56', full-width digits → Decimal."""
    s = s.strip().translate(FULLWIDTH).replace(" ", "")
    if "," in s:
        if "." in s and s.rfind(".") > s.rfind(","):
            s = s.replace(",", "")
        else:
            s = s.replace(".", "").replace(",", ".")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise Reject("invalid amount") from None
    if not value.is_finite():
        raise Reject("invalid amount")
    return value


@register_rule("date")
def _date(params: Any, ctx: RuleContext) -> RuleFn:
    return lambda v, row: parse_date(v) if isinstance(v, str) else v


@register_rule("amount")
def _amount(params: Any, ctx: RuleContext) -> RuleFn:
    return lambda v, row: parse_amount(v) if isinstance(v, str) else v


class RateTable:
    """Dated exchange rates: the rate of a currency on a day is the latest dated on or before."""

    def __init__(self, path: Path, to: str) -> None:
        self.to = to
        self._dates: dict[str, list[dt.date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        rows = []
        try:
            with open(path, newline="", encoding="utf-8") as fh:
                for line, r in enumerate(csv.DictReader(fh), start=2):
                    rows.append(_rate_row(path, line, r))
        except OSError as exc:
            raise MigrationError(f"rate table {path}: {exc.strerror}") from None
        for cur, day, rate in sorted(rows):
            self._dates.setdefault(cur, []).append(day)
            self._rates.setdefault(cur, []).append(rate)

    def earliest(self, currency: str) -> dt.date | None:
        if currency == self.to:
            return dt.date.min
        days = self._dates.get(currency)
        return days[0] if days else None

    def rate(self, currency: str, day: dt.date) -> Decimal:
        if currency == self.to:
            return Decimal(1)
        days = self._dates.get(currency)
        i = bisect.bisect_right(days, day) if days else 0
        if not i:
            raise Reject(f"no {currency} rate on {day}")
        return self._rates[currency][i - 1]


def _rate_row(path: Path, line: int, r: dict[str, str]) -> tuple[str, dt.date, Decimal]:
    """One row of the rate table; a bad or non-positive rate is refused naming the line."""
    field = "currency"
    try:
        cur = r["currency"].strip().upper()
        field = "date"
        day = dt.date.fromisoformat(r["date"].strip())
        field = "rate"
        rate = Decimal(r["rate"].strip())
    except KeyError as exc:
        raise MigrationError(f"rate table {path}: no column {exc}") from None
    except (AttributeError, ValueError, InvalidOperation):
        raise MigrationError(f"rate table {path}: line {line}: {field}: not valid") from None
    if not rate.is_finite() or rate <= 0:
        raise MigrationError(
            f"rate table {path}: line {line}: rate: must be a positive number, not {rate}"
        )
    return cur, day, rate


@register_rule("convert")
def _convert(params: dict[str, Any], ctx: RuleContext) -> RuleFn:
    """Convert an amount into the rate table's currency at the row's date, to the cent."""
    if ctx.rates is None:
        raise MigrationError(f"field {ctx.field}: convert needs `rates:` in the spec")
    cur_field, date_field = params["currency_field"], params["date_field"]
    rates: RateTable = ctx.rates

    def fn(v: Any, row: dict[str, Any]) -> Any:
        cur, day = row.get(cur_field), row.get(date_field)
        if cur is None or day is None:
            raise Reject("no currency or date to convert with")
        return (v * rates.rate(cur, day)).quantize(CENT, ROUND_HALF_EVEN)

    return fn


@register_rule("default")
def _default(params: Any, ctx: RuleContext) -> RuleFn:
    return lambda v, row: v if v not in ("", None) else params
