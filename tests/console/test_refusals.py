"""Every write endpoint, page and API: anonymous refused (401, or the log-in page), a member
without the right role refused (403), a form without its CSRF token refused (403), and
every refusal audited."""

from __future__ import annotations

from typing import Any

import pytest
from console_kit import GATE, PROJECT, TestClient, bearer, login
from gate_helpers import SRS_DATA, open_gate
from sqlmodel import col, select

from implflow.services import actions, records
from implflow.store.db import session_scope
from implflow.store.models import AuditEntry, GateRecord, Membership

G = f"/p/{PROJECT}/g/{GATE}"
A = f"/api/v1/projects/{PROJECT}"
AG = f"{A}/gates/{GATE}"
PDF = ("notes.pdf", b"%PDF-1.4 notes", "application/pdf")

# (path, form fields or JSON body, upload?) — zhao.cons (consultant) may do none of these
PAGES: list[tuple[str, dict[str, str]]] = [
    (f"{G}/complete", {"item": "scope-agreed", "note": "x"}),
    (f"{G}/waive", {"item": "open-questions", "reason": "x"}),
    (f"{G}/sign", {"role": "client_sponsor", "comment": "x"}),
    (f"{G}/reject", {"role": "client_sponsor", "comment": "x"}),
    (f"/p/{PROJECT}/run", {"phase": "requirements"}),
    (f"/p/{PROJECT}/members", {"handle": "zhao.cons", "role": "pmo"}),
    ("/admin/users", {"handle": "new.person", "name": "New", "password": "a long password 1"}),
    ("/admin/users/sun.cons/disable", {}),
]
API: list[tuple[str, dict[str, Any] | None]] = [
    (f"{AG}/items/scope-agreed/complete", {"note": "x"}),
    (f"{AG}/items/scope-agreed/evidence", None),
    (f"{AG}/items/open-questions/waive", {"reason": "x"}),
    (f"{AG}/sign", {"role": "client_sponsor"}),
    (f"{AG}/reject", {"role": "client_sponsor", "reason": "x"}),
    (f"{A}/phases/requirements/run", {}),
    (f"{A}/members", {"handle": "zhao.cons", "role": "pmo"}),
]


@pytest.fixture
def srs(team: str) -> str:
    actions.run(records.upsert_many, project_key=team, records=SRS_DATA, actor="chen.lead")
    open_gate(team)
    return team


def refusals() -> list[tuple[str, str, str]]:
    with session_scope() as s:
        rows = s.exec(
            select(AuditEntry)
            .where(col(AuditEntry.action).endswith(".refused"))
            .order_by(col(AuditEntry.id))
        )
        return [(e.actor, e.action, e.target) for e in rows]


def version() -> str:
    with session_scope() as s:
        return str(s.exec(select(GateRecord.version).where(GateRecord.gate_key == GATE)).one())


def post_page(client: TestClient, path: str, data: dict[str, str], csrf: str | None) -> Any:
    form = {**data, "version": version(), **({"csrf": csrf} if csrf else {})}
    return client.post(path, data=form)


@pytest.mark.parametrize(("path", "data"), PAGES, ids=[p for p, _ in PAGES])
def test_pages_refuse_anonymous_wrong_role_and_missing_csrf(
    client: TestClient, srs: str, path: str, data: dict[str, str]
) -> None:
    before = len(refusals())
    res = post_page(client, path, data, csrf=None)
    assert res.status_code == 303 and res.headers["location"].startswith("/login")
    assert refusals()[before:] == [("anonymous", "auth.refused", path)]

    csrf = login(client, "zhao.cons")
    res = post_page(client, path, data, csrf=None)
    assert res.status_code == 403 and "no valid CSRF token" in res.text
    assert refusals()[-1] == ("zhao.cons", "csrf.refused", path)

    res = post_page(client, path, data, csrf=csrf)
    assert res.status_code == 403, res.text
    assert refusals()[-1][0] == "zhao.cons" and len(refusals()) >= before + 3


@pytest.mark.parametrize(("path", "body"), API, ids=[p for p, _ in API])
def test_api_refuses_anonymous_and_wrong_role(
    client: TestClient, srs: str, path: str, body: dict[str, Any] | None
) -> None:
    def post(headers: dict[str, str]) -> Any:
        if body is None:
            return client.post(path, files={"file": PDF}, headers=headers)
        return client.post(path, json=body, headers=headers)

    before = len(refusals())
    res = post({})
    assert res.status_code == 401 and res.json()["detail"].startswith("send Authorization")
    res = post({"Authorization": "Bearer ifl_forged"})
    assert res.status_code == 401 and res.json() == {"detail": "unknown token: log in again"}
    res = post(bearer("zhao.cons"))
    assert res.status_code == 403, res.text
    assert set(res.json()) == {"detail"} and "\n" not in res.json()["detail"]
    assert [r[0] for r in refusals()[before:]] == ["anonymous", "anonymous", "zhao.cons"]


def test_a_consultant_cannot_add_members_or_give_roles(client: TestClient, srs: str) -> None:
    res = client.post(
        f"{A}/members",
        json={"handle": "zhao.cons", "role": "project_manager"},
        headers=bearer("zhao.cons"),
    )
    assert res.status_code == 403
    assert "may not add members" in res.json()["detail"]
    with session_scope() as s:
        roles = s.exec(select(Membership.role)).all()
    assert roles.count("project_manager") == 1
    res = client.post(
        f"{A}/members",
        json={"handle": "zhao.cons", "role": "project_manager"},
        headers=bearer("li.pm"),
    )
    assert res.status_code == 200


def test_expired_or_revoked_session_tokens_send_pages_to_the_log_in(
    client: TestClient, srs: str
) -> None:
    csrf = login(client, "zhao.cons")
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    res = client.get("/")
    assert res.status_code == 303 and res.headers["location"] == "/login?next=/"
