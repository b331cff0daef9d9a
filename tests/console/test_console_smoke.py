"""First pages: log-in, inbox, dashboard, gate page."""

from __future__ import annotations

from console_kit import GATE, PROJECT, login


def test_smoke(client) -> None:
    assert client.get("/").status_code == 303
    login(client, "zhao.cons")
    assert client.get("/").status_code == 200
    res = client.get("/dashboard")
    assert res.status_code == 200, res.text
    res = client.get(f"/p/{PROJECT}")
    assert res.status_code == 200, res.text
    res = client.get(f"/p/{PROJECT}/g/{GATE}")
    assert res.status_code == 200, res.text
