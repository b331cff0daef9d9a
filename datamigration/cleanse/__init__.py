"""Cleansing: named rules compiled once per spec into one row transformer."""

from implflow.datamigration.cleanse.rules import (
    RULES,
    Reject,
    RuleContext,
    RuleFn,
    register_rule,
)
from implflow.datamigration.cleanse.rules_values import RateTable, parse_amount, parse_date
from implflow.datamigration.cleanse.transform import (
    Rejected,
    Transformer,
    compile_spec,
    plugins_sha256,
)

__all__ = [
    "RULES",
    "RateTable",
    "Reject",
    "Rejected",
    "RuleContext",
    "RuleFn",
    "Transformer",
    "compile_spec",
    "parse_amount",
    "parse_date",
    "plugins_sha256",
    "register_rule",
]
