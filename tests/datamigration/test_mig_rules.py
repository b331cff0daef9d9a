"""Cleansing rules one by one: codes, full-width, dates, amounts, currencies, dated rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from implflow.datamigration.cleanse import (
    RULES,
    RateTable,
    Reject,
    RuleContext,
    parse_amount,
    parse_date,
)


def rule(name: str, params=None):
    return RULES[name](params, RuleContext("f"))


@pytest.mark.parametrize(
    "raw", ["cus-123", " CUS_0000123 ", "Cus 123", "ＣＵＳ－０００１２３", "cus0000123"]
)
def test_code_standardisation(raw: str) -> None:
    assert rule("code", {"format": "CUS-{:07d}"})(raw, {}) == "CUS-0000123"


@pytest.mark.parametrize(
    "raw",
    [
        "2021-03-05",
        "05.03.2021",
        "03/05/2021",
        "20210305",
        "2021年3月5日",
        "2021/3/5",
        "２０２１-０３-０５",
    ],
)
def test_dates_in_several_formats(raw: str) -> None:
    assert parse_date(raw) == dt.date(2021, 3, 5)


@pytest.mark.parametrize("raw", ["31.02.2021", "yesterday", "2021-13-01"])
def test_bad_dates_are_rejected(raw: str) -> None:
    with pytest.raises(Reject):
        parse_date(raw)


@pytest.mark.parametrize("raw", ["1234.56", "1.234,56", "1,234.56", "１２３４.５６"])
def test_amount_formats(raw: str) -> None:
    assert parse_amount(raw) == Decimal("1234.56")


def test_currency_country_halfwidth_and_map() -> None:
    assert rule("currency")(" eur ", {}) == "EUR" and rule("currency")("¥", {}) == "CNY"
    assert rule("country")("Deutschland", {}) == "DE"
    assert rule("fullwidth_to_halfwidth")("ＡＢ１２　Ｘ", {}) == "AB12 X"
    assert rule("map", {"values": {"old-1": "NEW-1"}})(" OLD-1 ", {}) == "NEW-1"
    with pytest.raises(Reject):
        rule("map", {"values": {"a": "b"}})("zzz", {})


def test_dated_rate_is_the_latest_on_or_before(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(
        "date,currency,rate\n2020-01-01,USD,0.9\n2021-01-01,USD,0.8\n", encoding="utf-8"
    )
    rates = RateTable(path, "EUR")
    convert = RULES["convert"](
        {"currency_field": "c", "date_field": "d"}, RuleContext("eur", rates)
    )
    assert convert(Decimal("10.00"), {"c": "USD", "d": dt.date(2020, 6, 1)}) == Decimal("9.00")
    assert convert(Decimal("10.00"), {"c": "USD", "d": dt.date(2021, 1, 1)}) == Decimal("8.00")
    assert convert(Decimal("10.01"), {"c": "EUR", "d": dt.date(2019, 1, 1)}) == Decimal("10.01")
    with pytest.raises(Reject, match="no USD rate on 2019-12-31"):
        convert(Decimal("1"), {"c": "USD", "d": dt.date(2019, 12, 31)})
