"""Every CLI write on a gate, table-driven: a member without the right role is refused (exit 4),
nobody logged in is refused (exit 8), and each refusal is in the project's audit log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from gate_helpers import GATE, SRS_DATA, complete_items, open_gate, token_for
from sqlmodel import select
from typer.testing import CliRunner

from implflow.cli.main import app
from implflow.core.settings import get_settings
from implflow.services import actions, records
from implflow.store.db import session_scope
from implflow.store.models import AuditEntry

runner = CliRunner()

# (name, arguments after `gate`, who lacks the right, the refusal's audit action)
WRITES = [
    ("complete", ["complete", "{key}", GATE, "scope-agreed"], "zhao.cons", "complete.refused"),
    ("waive", ["waive", "{key}", GATE, "scope-agreed", "--reason", "r"], "zhao.cons",
     "waive.refused"),
    ("sign", ["sign", "{key}", GATE, "--role", "client_sponsor", "--no-advance"], "zhao.cons",
     "sign.refused"),
    ("reject", ["reject", "{key}", GATE, "--role", "client_sponsor", "--reason", "r"],
     "zhao.cons", "reject.refused"),
    ("paper", ["sign", "{key}", GATE, "--role", "client_sponsor", "--on-behalf-of",
               "zhou.sponsor", "--scan", "{scan}", "--no-advance"], "zhao.cons", "sign.refused"),
]  # fmt: skip


def run(args: list[str], token: str | None) -> tuple[int, str]:
    get_settings.cache_clear()
    try:
        res = runner.invoke(app, ["gate", *args], env={"IMPLFLOW_TOKEN": token})
    finally:
        get_settings.cache_clear()
    return res.exit_code, res.stderr


def last_entry(key: str) -> AuditEntry:
    with session_scope() as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.chain == key))
        return max(rows, key=lambda e: e.seq)


@pytest.fixture
def gate_ready(make_project: Callable[..., str], tmp_path: Path) -> tuple[str, str]:
    key = make_project()
    actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
    open_gate(key)
    complete_items(key)
    scan = tmp_path / "page.pdf"
    scan.write_bytes(b"%PDF-1.4 signed")
    return key, str(scan)


@pytest.mark.parametrize(("name", "args", "who", "refused"), WRITES, ids=[w[0] for w in WRITES])
def test_a_member_without_the_right_role_is_refused_and_audited(
    gate_ready: tuple[str, str], name: str, args: list[str], who: str, refused: str
) -> None:
    key, scan = gate_ready
    code, err = run([a.format(key=key, scan=scan) for a in args], token_for(who))
    assert code == 4, err
    entry = last_entry(key)
    assert (entry.actor, entry.action) == (who, refused)


@pytest.mark.parametrize(("name", "args", "who", "refused"), WRITES, ids=[w[0] for w in WRITES])
def test_nobody_logged_in_is_refused_and_audited(
    gate_ready: tuple[str, str], name: str, args: list[str], who: str, refused: str
) -> None:
    key, scan = gate_ready
    code, err = run([a.format(key=key, scan=scan) for a in args], None)
    assert code == 8 and "implflow login" in err, err
    entry = last_entry(key)
    assert (entry.actor, entry.action) == ("anonymous", refused)


def test_a_consultant_cannot_add_members_or_give_roles(gate_ready: tuple[str, str]) -> None:
    key, _ = gate_ready
    token = token_for("zhao.cons")
    get_settings.cache_clear()
    try:
        res = runner.invoke(
            app,
            ["member", "add", key, "zhao.cons", "--role", "consultant_lead"],
            env={"IMPLFLOW_TOKEN": token},
        )
    finally:
        get_settings.cache_clear()
    assert res.exit_code == 4 and "may not add members" in res.stderr
    entry = last_entry(key)
    assert (entry.actor, entry.action) == ("zhao.cons", "add_member.refused")
