"""Log-in and sessions, headers, language, the inbox, the dashboard and a project's page."""

from __future__ import annotations

from datetime import timedelta

from console_kit import GATE, PROJECT, TestClient, csrf_of, login
from gate_helpers import SRS_DATA, open_gate
from sqlmodel import select

from implflow.console.security import CSP
from implflow.services import actions, records
from implflow.store.db import session_scope
from implflow.store.models import AuditEntry, GateRecord, utcnow


def test_answers_carry_the_security_headers_and_a_strict_cookie(
    client: TestClient, team: str
) -> None:
    res = client.get("/login")
    assert res.headers["content-security-policy"] == CSP and "unsafe-inline" not in CSP
    assert res.headers["x-frame-options"] == "DENY"
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["referrer-policy"] == "same-origin"
    cookie = res.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "cdn" not in res.text and 'src="/static/console.js"' in res.text
    assert client.get("/static/console.js").status_code == 200


def test_the_cookie_secret_is_kept_under_home_with_mode_0600(client: TestClient, home) -> None:
    secret = home / "console-secret"
    assert secret.stat().st_mode & 0o777 == 0o600 and len(secret.read_text()) >= 40


def test_a_wrong_password_is_refused_audited_and_slowed_down(client: TestClient, team: str) -> None:
    csrf = csrf_of(client.get("/login").text)
    codes = [
        client.post("/login", data={"handle": "zhao.cons", "password": "nope", "csrf": csrf})
        for _ in range(5)
    ]
    assert [r.status_code for r in codes][:3] == [401, 401, 401]
    assert codes[-1].status_code == 429 and "too many failed log-ins" in codes[-1].text
    with session_scope() as s:
        refused = s.exec(select(AuditEntry).where(AuditEntry.action == "auth.refused")).all()
    assert {e.target for e in refused} == {"zhao.cons"} and len(refused) == 5
    assert "implflow_session" not in client.cookies or client.get("/").status_code == 303


def test_the_log_in_comes_back_to_the_page_asked_for_and_never_elsewhere(
    client: TestClient, team: str
) -> None:
    res = client.get(f"/p/{PROJECT}")
    assert res.headers["location"] == f"/login?next=/p/{PROJECT}"
    csrf = csrf_of(client.get("/login").text)
    for target, lands in ((f"/p/{PROJECT}", f"/p/{PROJECT}"), ("//evil.example", "/")):
        data = {
            "handle": "li.pm",
            "password": "correct horse battery",
            "csrf": csrf,
            "next": target,
        }
        assert client.post("/login", data=data).headers["location"] == lands


def test_the_language_is_the_users_choice(client: TestClient, team: str) -> None:
    csrf = login(client, "li.pm")
    assert "My inbox" in client.get("/").text
    client.post("/lang", data={"csrf": csrf, "lang": "zh-CN", "next": "/dashboard"})
    html = client.get("/dashboard").text
    assert "项目组合" in html and '<html lang="zh-CN">' in html
    assert "需求调研与业务梳理" in html  # the pack's own title of the phase


def test_the_inbox_lists_my_items_and_signatures_overdue_first(
    client: TestClient, make_project, team: str
) -> None:
    late = make_project("late-crm")
    for key in (team, late):
        actions.run(records.upsert_many, project_key=key, records=SRS_DATA, actor="chen.lead")
        open_gate(key)
    with session_scope() as s:
        rec = s.exec(select(GateRecord).where(GateRecord.project_id == 2)).first()
        assert rec is not None
        rec.due_at = utcnow() - timedelta(days=2)
        s.add(rec)
    login(client, "zhao.cons")
    html = client.get("/").text
    assert html.index("/p/late-crm/g/srs-signoff") < html.index(f"/p/{PROJECT}/g/{GATE}")
    assert "overdue" in html and "departments-interviewed" in html
    assert "scope-agreed" not in html  # owned by the project manager and the lead
    client.cookies.clear()
    login(client, "zhou.sponsor")
    assert "Signatures wanted" in client.get("/").text


def test_the_dashboard_shows_rag_and_filters_by_status_and_customer(
    client: TestClient, make_project, team: str
) -> None:
    make_project("other-mes")
    actions.run(records.upsert_many, project_key=team, records=SRS_DATA, actor="chen.lead")
    open_gate(team)
    with session_scope() as s:
        rec = s.exec(
            select(GateRecord).where(GateRecord.gate_key == GATE, GateRecord.project_id == 1)
        ).one()
        rec.opened_at, rec.due_at = utcnow() - timedelta(days=12), utcnow() - timedelta(days=2)
        s.add(rec)
    login(client, "wang.pmo")
    html = client.get("/dashboard").text
    assert html.index("rag-red") < html.index("rag-green")
    assert "12 / 10" in html  # days at the gate against its SLA
    red = client.get("/dashboard?status=red").text
    assert f'href="/p/{PROJECT}"' in red and 'href="/p/other-mes"' not in red
    none = client.get("/dashboard?customer=Nobody").text
    assert f'href="/p/{PROJECT}"' not in none


def test_the_project_page_draws_the_gantt_chart_and_offers_the_next_phase(
    client: TestClient, team: str
) -> None:
    login(client, "wang.pmo")
    html = client.get(f"/p/{PROJECT}").text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="gantt"' in html
    assert html.count('class="planned"') == 12  # 5 phases and their 7 gates
    assert 'name="phase" value="requirements"' in html
    assert "project.create" in html  # its audit log
