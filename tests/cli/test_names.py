"""User text never reaches Rich as markup; bad handles are refused (issue 7 part 7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from gate_helpers import ADMIN, token_for
from sqlmodel import select
from typer.testing import CliRunner

from implflow.cli.main import app
from implflow.core.settings import get_settings
from implflow.store.db import session_scope
from implflow.store.models import AuditEntry

runner = CliRunner()
MARKUP = "[/x]"


def cli(*args: str) -> tuple[int, str, str]:
    """The command as an admin, logged in (member add acts as the proven person)."""
    token = token_for(ADMIN)
    get_settings.cache_clear()
    try:
        res = runner.invoke(app, list(args), env={"IMPLFLOW_TOKEN": token})
    finally:
        get_settings.cache_clear()
    return res.exit_code, res.stdout, res.stderr


def test_markup_in_a_project_and_person_name_is_printed_as_text(home: Path) -> None:
    """Before: '[/x]' as a name crashed the CLI after the write was committed."""
    code, _, err = cli("project", "create", "acme", "--name", MARKUP, "--client", "[bold]ACME")
    assert code == 0, err
    code, _, err = cli(
        "member", "add", "acme", "chen.lead", "--role", "consultant_lead", "--name", MARKUP
    )
    assert code == 0, err
    code, out, err = cli("project", "show", "acme")
    assert code == 0, err
    assert f"{MARKUP} (acme) for [bold]ACME" in out and out.count(MARKUP) == 2
    code, out, _ = cli("project", "list")
    assert code == 0 and MARKUP in out


def test_markup_in_an_error_message_is_printed_as_text(home: Path) -> None:
    cli("project", "create", "acme", "--name", "n", "--client", "c")
    code, _, err = cli("member", "add", "acme", "chen.lead", "--role", MARKUP, "--name", "N")
    assert code == 2 and f"unknown role '{MARKUP}'" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "handle, says",
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("zhou\u200bsponsor", "ZERO WIDTH SPACE at position 5"),
        ("li\x07pm", "U+0007 at position 3"),
        ("wu\u202edata", "RIGHT-TO-LEFT OVERRIDE"),
        ("chen lead", "SPACE at position 5"),
    ],
)
def test_a_bad_handle_is_refused_at_creation(home: Path, handle: str, says: str) -> None:
    cli("project", "create", "acme", "--name", "n", "--client", "c")
    code, _, err = cli("member", "add", "acme", handle, "--role", "consultant", "--name", "N")
    assert code == 2 and says in err, err
    assert err.count("\n") == 1
    code, out, _ = cli("project", "show", "acme", "--json")
    assert json.loads(out)["members"] == []


def test_a_bad_acting_handle_is_refused(home: Path) -> None:
    code, _, err = cli(
        "project", "create", "acme", "--name", "n", "--client", "c", "--as", "pm\u200b"
    )
    assert code == 2 and "the acting person's handle" in err and "ZERO WIDTH SPACE" in err
    code, _, err = cli("project", "create", "acme", "--name", "n", "--client", "c", "--as", "")
    assert code != 0 and err.count("\n") == 1  # nobody acting: refused


def test_a_handle_that_names_no_member_cannot_write_the_projects_data(
    home: Path, make_project: Callable[..., str]
) -> None:
    """`data set --as ghost` was saved silently; a non-member's write is refused and audited."""
    key = make_project()
    risk = '{"title": "t", "likelihood": "low", "impact": "low"}'
    res = CliRunner().invoke(app, ["data", "set", key, "risk", "r9", risk, "--as", "ghost"])
    assert res.exit_code == 4 and "ghost is not a member of project" in res.stderr
    res = CliRunner().invoke(app, ["data", "set", key, "risk", "r9", risk, "--as", "chen.lead"])
    assert res.exit_code == 0, res.stderr
    with session_scope() as s:
        refused = s.exec(
            select(AuditEntry).where(AuditEntry.chain == key, AuditEntry.actor == "ghost")
        ).all()
    assert refused and all(e.action.endswith("refused") for e in refused)
