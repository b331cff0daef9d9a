"""The one cleanse.py rule implflow has no built-in for: title-case a city written in one case."""

from __future__ import annotations

from typing import Any

from implflow.datamigration.rules import RuleContext, RuleFn, register_rule


@register_rule("title_if_one_case")
def _title_if_one_case(params: Any, ctx: RuleContext) -> RuleFn:
    """'BERLIN' / 'berlin' → 'Berlin'; mixed case ('Frankfurt am Main') is kept."""

    def fn(v: Any, row: dict[str, Any]) -> Any:
        return v.title() if v.isupper() or v.islower() else v

    return fn
