"""`implflow login|logout|whoami|user|token` through Typer's runner."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from implflow.cli.main import app
from implflow.core.settings import get_settings
from implflow.store import audit
from implflow.store.db import session_scope
from implflow.store.models import ApiToken, AuditEntry, utcnow

runner = CliRunner()
PW = "correct horse battery"


@pytest.fixture(autouse=True)
def cheap_hashes(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2 at its smallest cost: these tests check the commands, not the hash."""
    monkeypatch.setenv("IMPLFLOW_ARGON2_MEMORY_KIB", "64")
    monkeypatch.setenv("IMPLFLOW_ARGON2_TIME_COST", "1")
    monkeypatch.delenv("IMPLFLOW_TOKEN", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args), input=stdin)
    return res.exit_code, res.stdout, res.stderr


def bootstrap() -> None:
    code, out, err = cli(
        "user", "add", "root.admin", "--name", "Root", "--admin", "--password-stdin", stdin=PW
    )
    assert code == 0, err
    assert cli("login", "root.admin", "--password-stdin", stdin=PW + "\n")[0] == 0


def test_first_admin_then_login_keeps_a_private_token(home: Path) -> None:
    code, _, err = cli("user", "add", "chen.lead", "--name", "Chen", "--password-stdin", stdin=PW)
    assert code == 4 and "first account must be an admin" in err
    bootstrap()
    path = home / "credentials"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert saved["handle"] == "root.admin" and saved["token"].startswith("ifl_")
    code, out, _ = cli("whoami", "--json")
    assert code == 0 and json.loads(out) == {
        "handle": "root.admin",
        "name": "Root",
        "admin": True,
        "pmo": False,
    }


def test_after_bootstrap_only_an_admin_adds_accounts(home: Path) -> None:
    bootstrap()
    code, out, _ = cli("user", "add", "zhao.cons", "--name", "Zhao Lei", "--generate-password")
    assert code == 0 and "password (shown once): " in out
    generated = out.split("password (shown once): ")[1].strip()
    assert cli("login", "zhao.cons", "--password-stdin", stdin=generated)[0] == 0
    code, _, err = cli("user", "add", "sun.cons", "--name", "Sun", "--password-stdin", stdin=PW)
    assert code == 4 and "zhao.cons is not an admin" in err
    code, _, err = cli("user", "list")
    assert code == 4 and "only an admin" in err
    cli("logout")
    code, _, err = cli("user", "add", "sun.cons", "--name", "Sun", "--password-stdin", stdin=PW)
    assert code == 4 and "log in as one first" in err


def test_wrong_password_is_exit_8_and_audited(home: Path) -> None:
    bootstrap()
    code, _, err = cli("login", "root.admin", "--password-stdin", stdin="guess\n")
    assert code == 8 and err.strip() == "error: wrong handle or password"
    with session_scope() as s:
        last = s.exec(
            select(AuditEntry)
            .where(AuditEntry.chain == audit.GLOBAL)
            .order_by(AuditEntry.seq.desc())
        ).first()
    assert last is not None and (last.action, last.detail["reason"]) == (
        "auth.refused",
        "wrong password",
    )


def test_tokens_shown_once_listed_without_secret_and_revoked(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bootstrap()
    code, out, _ = cli("token", "create", "--name", "ci", "--days", "30")
    assert code == 0
    secret = out.strip().splitlines()[-1]
    code, out, _ = cli("token", "list", "--json")
    listed = json.loads(out)
    assert [t["name"] for t in listed] == ["cli", "ci"] and secret not in out
    monkeypatch.setenv("IMPLFLOW_TOKEN", secret)
    get_settings.cache_clear()
    assert json.loads(cli("whoami", "--json")[1])["handle"] == "root.admin"
    ci = next(t["token_id"] for t in listed if t["name"] == "ci")
    assert cli("token", "revoke", str(ci))[0] == 0
    code, _, err = cli("whoami")
    assert code == 8 and "token revoked" in err


def test_logout_revokes_and_forgets_the_token(home: Path) -> None:
    bootstrap()
    secret = json.loads((home / "credentials").read_text())["token"]
    code, out, _ = cli("logout")
    assert code == 0 and "logged out root.admin" in out
    assert not (home / "credentials").exists()
    code, _, err = cli("whoami")
    assert code == 8 and "not logged in" in err
    from implflow.core.errors import Unauthenticated
    from implflow.services import auth

    with pytest.raises(Unauthenticated, match="revoked"):
        auth.authenticate_token(secret=secret)


def test_user_disable_passwd_and_list(home: Path) -> None:
    bootstrap()
    cli(
        "user",
        "add",
        "zhao.cons",
        "--name",
        "Zhao",
        "--title",
        "Consultant",
        "--password-stdin",
        stdin=PW,
    )
    assert cli("user", "disable", "zhao.cons")[0] == 0
    code, _, err = cli("login", "zhao.cons", "--password-stdin", stdin=PW)
    assert code == 8 and "disabled" in err
    assert cli("user", "enable", "zhao.cons")[0] == 0
    code, _, _ = cli("user", "passwd", "zhao.cons", "--password-stdin", stdin="a new long secret")
    assert code == 0
    assert cli("login", "zhao.cons", "--password-stdin", stdin="a new long secret")[0] == 0
    assert cli("user", "list", "--json")[0] == 4  # zhao.cons is now the one logged in
    assert cli("login", "root.admin", "--password-stdin", stdin=PW)[0] == 0
    rows = json.loads(cli("user", "list", "--json")[1])
    assert [(r["handle"], r["title"], r["is_admin"]) for r in rows] == [
        ("root.admin", "", True),
        ("zhao.cons", "Consultant", False),
    ]


def test_passwords_typed_at_a_prompt_and_asked_again_outside_a_fresh_log_in(home: Path) -> None:
    typed_twice = f"{PW}\n{PW}\n"
    code, _, err = cli("user", "add", "root.admin", "--name", "Root", "--admin", stdin=typed_twice)
    assert code == 0, err
    assert cli("login", "root.admin", stdin=PW + "\n")[0] == 0
    with session_scope() as s:  # the log-in was ten minutes ago
        token = s.exec(select(ApiToken)).one()
        token.created_at = utcnow() - timedelta(minutes=10)
        s.add(token)
    code, _, err = cli("user", "passwd", "--password-stdin", stdin="wrong\nanother long one\n")
    assert code == 8 and "wrong handle or password" in err
    code, _, err = cli("user", "passwd", "--password-stdin", stdin=f"{PW}\nanother long one\n")
    assert code == 0, err
    assert cli("login", "root.admin", "--password-stdin", stdin="another long one")[0] == 0
