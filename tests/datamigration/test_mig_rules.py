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


def one(name: str, params: object = None):  # type: ignore[no-untyped-def]
    fn = RULES[name](params, RuleContext("f"))
    return lambda v: fn(v, {})


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("美元", "USD"),
        ("港币", "HKD"),
        ("港元", "HKD"),
        ("HKD", "HKD"),
        ("人民币", "CNY"),
        ("￥", "CNY"),
        ("欧元", "EUR"),
        (" usd ", "USD"),
    ],
)
def test_chinese_currency_spellings(raw: str, code: str) -> None:
    assert one("currency")(raw) == code


def test_currency_aliases_come_from_the_spec() -> None:
    with pytest.raises(Reject):
        one("currency")("港纸")
    assert one("currency", {"aliases": {"港纸": "hkd", "US$": "USD"}})("港纸") == "HKD"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("¥1,234.50", "1,234.50"),
        ("￥ 88", "88"),
        ("100元", "100"),
        ("5,000.00元整", "5,000.00"),
        ("RMB 5.00", "5.00"),
        ("人民币12.5元", "12.5"),
    ],
)
def test_strip_currency_marks_and_units(raw: str, clean: str) -> None:
    assert one("strip_currency")(raw) == clean
    assert parse_amount(clean) == Decimal(clean.replace(",", ""))


@pytest.mark.parametrize(
    ("raw", "full"),
    [
        ("广东省深圳市南山区科技园路1号", "广东省深圳市南山区科技园路1号"),
        ("广东 深圳 南山 科技园路1号", "广东省深圳市南山区科技园路1号"),
        ("广东省 深圳市 南山区 科技园路 1号", "广东省深圳市南山区科技园路1号"),
        ("北京市朝阳区建国路８８号", "北京市朝阳区建国路88号"),
        ("北京 朝阳 建国路88号", "北京市朝阳区建国路88号"),
        ("新疆乌鲁木齐市天山区解放北路1号", "新疆维吾尔自治区乌鲁木齐市天山区解放北路1号"),
        ("深圳市南山区科技园路1号", "深圳市南山区科技园路1号"),
    ],
)
def test_chinese_addresses_normalised_spaced_or_unspaced(raw: str, full: str) -> None:
    assert one("cn_address")(raw) == full


def test_chinese_address_parts() -> None:
    raw = "浙江 杭州 西湖区 文三路90号"
    parts = {p: one("cn_address", {"part": p})(raw) for p in ("province", "city", "district")}
    assert parts == {"province": "浙江省", "city": "杭州市", "district": "西湖区"}
    assert one("cn_address", {"part": "street"})(raw) == "文三路90号"
    with pytest.raises(ValueError, match="part must be one of"):
        one("cn_address", {"part": "zip"})


def test_the_plugin_api_is_the_top_packages_and_its_old_path_still_loads() -> None:
    import implflow.datamigration as dm
    from implflow.datamigration import rules as old

    assert set(dm.__all__) == {"Reject", "RuleContext", "RuleFn", "register_rule"}
    assert old.register_rule is dm.register_rule and old.Reject is dm.Reject

    @dm.register_rule("test_plugin_api")
    def _factory(params: object, ctx: dm.RuleContext) -> dm.RuleFn:
        return lambda v, row: v

    assert RULES["test_plugin_api"] is _factory
