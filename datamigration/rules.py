"""The plugin API's former home, kept so plugins written against it still load: import
`register_rule`, `RuleContext`, `RuleFn` and `Reject` from `implflow.datamigration` instead."""

from implflow.datamigration import Reject, RuleContext, RuleFn, register_rule

__all__ = ["Reject", "RuleContext", "RuleFn", "register_rule"]
