"""The CLI's saved log-in: a token in IMPLFLOW_HOME/credentials, readable by the user alone."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer

from implflow.core.errors import InvalidInput, Unauthenticated
from implflow.core.settings import get_settings
from implflow.services import auth


def save(handle: str, secret: str, expires_at: str) -> Path:
    """Write the token with mode 0600 (created so: never readable by others, even briefly)."""
    path = get_settings().credentials_path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), 0o600)  # an older file may have kept looser bits
        json.dump({"handle": handle, "token": secret, "expires_at": expires_at}, f)
    return path


def load() -> dict[str, str] | None:
    """The saved log-in, or None when there is none."""
    path = get_settings().credentials_path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: unreadable ({exc}); run `implflow login`") from None
    return data if isinstance(data, dict) and isinstance(data.get("token"), str) else None


def forget() -> bool:
    """Delete the saved log-in; whether there was one."""
    try:
        get_settings().credentials_path.unlink()
    except FileNotFoundError:
        return False
    return True


def token() -> str | None:
    """The token to act with: IMPLFLOW_TOKEN, else the saved log-in's."""
    env = get_settings().token
    if env:
        return env
    saved = load()
    return saved["token"] if saved else None


def current(required: bool = True) -> auth.Principal | None:
    """The logged-in person (token checked against the store); None only when not required."""
    secret = token()
    if secret is None:
        if required:
            raise Unauthenticated("not logged in: run `implflow login HANDLE` (or IMPLFLOW_TOKEN)")
        return None
    return auth.authenticate_token(secret=secret)


def read_password(prompt: str, from_stdin: bool, confirm: bool = False) -> str:
    """A password from one line of standard input, or typed at a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InvalidInput("--password-stdin: standard input is empty")
        return line.rstrip("\r\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))
