"""The JSON API: token log-in, reads, a gate taken through to its signature, one-line errors."""

from __future__ import annotations

from console_kit import GATE, PROJECT, KeptTrigger, TestClient, bearer
from gate_helpers import SRS_DATA, open_gate

from implflow.cli.remote import Remote, login

A = f"/api/v1/projects/{PROJECT}"
AG = f"{A}/gates/{GATE}"


def test_the_cli_logs_in_and_calls_the_api_with_its_token(client: TestClient, team: str) -> None:
    answer = login("http://testserver", "zhao.cons", "correct horse battery", client)
    remote = Remote("http://testserver", answer["token"], client)
    assert remote.call("GET", "/api/v1/whoami")["handle"] == "zhao.cons"
    assert [r["project"] for r in remote.call("GET", "/api/v1/projects")] == [PROJECT]
    res = client.post("/api/auth/token", json={"handle": "zhao.cons", "password": "wrong"})
    assert res.status_code == 401 and res.json() == {"detail": "wrong handle or password"}


def test_a_gate_through_the_api_to_the_phase_trigger(
    client: TestClient, team: str, trigger: KeptTrigger
) -> None:
    lead = bearer("chen.lead")
    res = client.post(f"{A}/records", json={"records": SRS_DATA}, headers=lead)
    assert res.status_code == 200, res.text
    open_gate(team)
    gate = client.get(AG, headers=lead).json()
    for item in (i for i in gate["items"] if i["required"]):
        key = item["key"]
        who = bearer("li.pm" if key == "scope-agreed" else "zhao.cons")  # its owners
        if item["evidence"]:
            res = client.post(
                f"{AG}/items/{key}/evidence",
                headers=who,
                files={"file": ("n.pdf", b"%PDF-1.4 n", "application/pdf")},
            )
        else:
            res = client.post(f"{AG}/items/{key}/complete", json={"note": "ok"}, headers=who)
        assert res.status_code == 200, res.text
    res = client.post(f"{AG}/sign", json={"role": "consultant_lead"}, headers=lead)
    assert res.json() == {
        "met": False,
        "waiting_for": "1 signature",
        "phase": "requirements",
        "started": None,
    }
    res = client.post(f"{AG}/sign", json={"role": "client_sponsor"}, headers=bearer("zhou.sponsor"))
    assert res.json()["met"] is True and res.json()["started"] == "queued"
    assert trigger.started == [(PROJECT, "requirements")]


def test_a_stale_version_and_unknown_names_answer_one_line(client: TestClient, team: str) -> None:
    open_gate(team)
    h = bearer("zhao.cons")
    res = client.post(f"{AG}/items/open-questions/complete", json={"version": 0}, headers=h)
    assert res.status_code == 409 and "changed since this page was drawn" in res.json()["detail"]
    res = client.get("/api/v1/projects/nope/gates/x", headers=h)
    assert res.status_code == 404 and res.json() == {"detail": "unknown project 'nope'"}
    res = client.get(f"{A}/gates/nope", headers=h)
    assert res.status_code == 404 and res.json()["detail"].startswith("unknown gate 'nope'")


def test_the_openapi_schema_describes_every_action(client: TestClient, team: str) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for action in ("complete", "evidence", "waive"):
        assert f"/api/v1/projects/{{project}}/gates/{{gate}}/items/{{item}}/{action}" in paths
    for action in ("sign", "reject"):
        assert f"/api/v1/projects/{{project}}/gates/{{gate}}/{action}" in paths
    assert "/api/v1/projects/{project}/phases/{phase}/run" in paths
    assert "/api/v1/projects/{project}/records" in paths
    assert "/api/v1/projects/{project}/members" in paths
    assert not [p for p in paths if not p.startswith("/api/")]  # pages stay out of it
