"""Helpers for the console tests: the team's handles, log-in through the form, tokens."""

from __future__ import annotations

import re
import warnings

from implflow.services import auth
from implflow.store.db import session_scope

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # this Starlette asks for httpx2 under its TestClient
    from fastapi.testclient import TestClient

PW = "correct horse battery"
ADMIN = "root.admin"
PROJECT = "acme-erp"
GATE = "srs-signoff"
HANDLES = [
    "wang.pmo",
    "li.pm",
    "chen.lead",
    "zhao.cons",
    "sun.cons",
    "zhou.sponsor",
    "wu.data",
    "zheng.it",
    "feng.trainer",
    "he.key",
]
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class KeptTrigger:
    """Keeps each phase it is asked to start (the console hands a real worker in production)."""

    def __init__(self) -> None:
        self.started: list[tuple[str, str]] = []

    def start(self, project_key: str, phase_key: str) -> str:
        self.started.append((project_key, phase_key))
        return "queued"


def add_accounts(handles: list[str], pmo: str = "wang.pmo") -> None:
    """An admin, then an account for each handle (the people exist already)."""
    with session_scope() as s:
        auth.create_account(
            s, actor=None, handle=ADMIN, password=PW, name="Root Admin", is_admin=True
        )
    root = auth.authenticate_password(handle=ADMIN, password=PW)
    for handle in handles:
        with session_scope() as s:
            auth.create_account(s, actor=root, handle=handle, password=PW, is_pmo=handle == pmo)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def login(client: TestClient, handle: str, password: str = PW) -> str:
    """Log in through the form; the CSRF token of the session."""
    token = csrf_of(client.get("/login").text)
    res = client.post("/login", data={"handle": handle, "password": password, "csrf": token})
    assert res.status_code == 303, res.text
    return csrf_of(client.get("/").text)


def bearer(handle: str) -> dict[str, str]:
    """An Authorization header with a fresh log-in token of `handle`."""
    issued = auth.login(handle=handle, password=PW, token_name="test")
    return {"Authorization": f"Bearer {issued.secret}"}
