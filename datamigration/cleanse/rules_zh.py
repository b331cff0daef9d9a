"""Rules for Chinese legacy data: currency marks and units stripped from amounts, and
addresses normalised into province, city, district and street (spaced or unspaced)."""

from __future__ import annotations

import re
from typing import Any

from implflow.datamigration.cleanse.rules import (
    FULLWIDTH,
    Reject,
    RuleContext,
    RuleFn,
    register_rule,
)

# Marks and units around an amount: ¥ ￥ 元 圆, the ISO and Chinese names, other currency signs.
MONEY_MARKS = re.compile(r"(人民币|RMB|CNY|HK\$|US\$|[¥￥$€£]|元整?|圆整?)", re.IGNORECASE)


@register_rule("strip_currency")
def _strip_currency(params: Any, ctx: RuleContext) -> RuleFn:
    """'¥1,234.50元' / '￥ 88' / 'RMB 5.00' → '1,234.50' / '88' / '5.00' (then `amount`)."""

    def fn(v: Any, row: dict[str, Any]) -> Any:
        if not isinstance(v, str):
            return v
        out = MONEY_MARKS.sub("", v).strip()
        if not out:
            raise Reject("no amount")
        return out

    return fn


# Provincial-level divisions: short name → full name.
PROVINCES = {
    **{
        n: n + "省"
        for n in (
            "河北",
            "山西",
            "辽宁",
            "吉林",
            "黑龙江",
            "江苏",
            "浙江",
            "安徽",
            "福建",
            "江西",
            "山东",
            "河南",
            "湖北",
            "湖南",
            "广东",
            "海南",
            "四川",
            "贵州",
            "云南",
            "陕西",
            "甘肃",
            "青海",
            "台湾",
        )
    },
    **{n: n + "市" for n in ("北京", "天津", "上海", "重庆")},
    "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区",
    "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区",
    "香港": "香港特别行政区",
    "澳门": "澳门特别行政区",
}
MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}
_PROV_SUFFIX = r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)?"
PROVINCE = re.compile(
    "^(" + "|".join(sorted(PROVINCES, key=len, reverse=True)) + ")" + _PROV_SUFFIX
)
CITY = re.compile(r"^(.+?(?:自治州|地区|盟|市))")
DISTRICT = re.compile(r"^(.+?(?:新区|区|自治县|县|旗|市))")
PARTS = ("province", "city", "district", "street")


def split_address(text: str) -> dict[str, str]:
    """Province, city, district and street of a Chinese address ('' where a part is absent)."""
    segments = [s for s in text.translate(FULLWIDTH).split() if s]
    if len(segments) >= 3:  # spaced: a suffix may be left out ("广东 深圳 南山 科技园路1号")
        return _spaced(segments)
    s = "".join(segments)
    out = dict.fromkeys(PARTS, "")
    if m := PROVINCE.match(s):
        out["province"] = PROVINCES[m[1]]
        s = s[m.end() :]
    if out["province"] in MUNICIPALITIES:
        out["city"] = out["province"]
    elif (m := CITY.match(s)) and len(m[1]) <= 8:
        out["city"] = m[1]
        s = s[m.end() :]
    if (m := DISTRICT.match(s)) and len(m[1]) <= 8:
        out["district"] = m[1]
        s = s[m.end() :]
    out["street"] = s
    return out


def _spaced(segments: list[str]) -> dict[str, str]:
    out = dict.fromkeys(PARTS, "")
    rest = list(segments)
    if m := PROVINCE.match(rest[0]):
        out["province"] = PROVINCES[m[1]]
        rest.pop(0)
    if out["province"] in MUNICIPALITIES:
        out["city"] = out["province"]
        if rest and rest[0].removesuffix("市") + "市" == out["city"]:
            rest.pop(0)  # "北京 北京市 朝阳区 ..."
    elif len(rest) >= 2:
        head = rest.pop(0)
        out["city"] = head if CITY.fullmatch(head) else head + "市"
    if len(rest) >= 2:
        head = rest.pop(0)
        out["district"] = head if DISTRICT.fullmatch(head) else head + "区"
    out["street"] = "".join(rest)
    return out


@register_rule("cn_address")
def _cn_address(params: Any, ctx: RuleContext) -> RuleFn:
    """A Chinese address normalised (full names, no spaces), or one of its parts with
    `{part: province | city | district | street}`."""
    part = (params or {}).get("part", "full") if isinstance(params, dict) else "full"
    if part not in (*PARTS, "full"):
        raise ValueError(f"part must be one of full, {', '.join(PARTS)}, not {part!r}")

    def fn(v: Any, row: dict[str, Any]) -> Any:
        parts = split_address(str(v))
        if not parts["street"] and not parts["district"]:
            raise Reject("not an address")
        if part != "full":
            return parts[part]
        if parts["city"] == parts["province"]:  # a municipality is named once
            parts["city"] = ""
        return "".join(parts[p] for p in PARTS)

    return fn
