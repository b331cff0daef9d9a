"""Who is acting, proven: accounts with argon2 password hashes, API tokens, throttled log-ins.

Entry points for the faces (CLI, console, API); each opens its own transaction so that a
refusal, its audit entry and the failed-attempt counter are kept even though the caller fails:

- `login(handle=, password=)` → `Issued` (a token secret, shown once) · `authenticate_password`
- `authenticate_token(secret=)` → `Principal` · `reauthenticate(principal, password)` at signing
- `accounts`: create, set password, disable, list; `tokens`: issue, list, revoke.

Every refusal raises `core.errors.Unauthenticated` (or `TooManyAttempts`) and is audited on the
`_global` chain. Tests pass `now=` to check the slow-down without waiting.
"""

from implflow.services.auth.accounts import (
    AccountInfo,
    bootstrap_needed,
    create_account,
    list_accounts,
    set_disabled,
    set_password,
)
from implflow.services.auth.login import (
    authenticate_password,
    authenticate_token,
    login,
    reauthenticate,
)
from implflow.services.auth.passwords import check_policy
from implflow.services.auth.principal import Principal
from implflow.services.auth.tokens import Issued, TokenInfo, issue_token, list_tokens, revoke_token

__all__ = [
    "AccountInfo",
    "Issued",
    "Principal",
    "TokenInfo",
    "authenticate_password",
    "authenticate_token",
    "bootstrap_needed",
    "check_policy",
    "create_account",
    "issue_token",
    "list_accounts",
    "list_tokens",
    "login",
    "reauthenticate",
    "revoke_token",
    "set_disabled",
    "set_password",
]
