"""Phase 3's data-migration toolkit: cleanse, load, reconcile.

The plugin API is this package's own and stays stable: a custom rule is a factory registered
with `@register_rule("name")`, `factory(params, ctx: RuleContext) -> RuleFn`, where
`RuleFn(value, row) -> value` raises `Reject(reason)` for a value no rule can make valid.
"""

from implflow.datamigration.cleanse import Reject, RuleContext, RuleFn, register_rule

__all__ = ["Reject", "RuleContext", "RuleFn", "register_rule"]
