"""The CLI's client of a console's JSON API: statuses become the same domain errors."""

from __future__ import annotations

import warnings

import pytest
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel

from implflow.cli.remote import Remote, login
from implflow.core.errors import (
    Conflict,
    Forbidden,
    ImplflowError,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # this Starlette asks for httpx2 under its TestClient
    from fastapi.testclient import TestClient

api = FastAPI()


class Credentials(BaseModel):
    handle: str
    password: str


@api.post("/api/auth/token")
def token(body: Credentials) -> dict[str, str]:
    if body.password != "right":
        raise HTTPException(401, "wrong handle or password")
    return {"token": "ifl_x", "handle": body.handle}


@api.get("/api/whoami")
def whoami(authorization: str = Header("")) -> dict[str, str]:
    if authorization != "Bearer ifl_x":
        raise HTTPException(401, "unknown token: log in again")
    return {"handle": "chen.lead"}


@api.get("/api/fail/{status}")
def fail(status: int) -> None:
    raise HTTPException(status, f"refused with {status}")


@api.get("/api/count")
def count(n: int) -> int:
    return n


def remote(token: str | None = "ifl_x") -> Remote:
    return Remote("http://testserver/", token, TestClient(api))


def test_the_token_goes_as_a_bearer_header() -> None:
    assert login("http://testserver", "chen.lead", "right", TestClient(api))["token"] == "ifl_x"
    assert remote().call("GET", "/api/whoami") == {"handle": "chen.lead"}
    with pytest.raises(Unauthenticated, match="unknown token"):
        remote(None).call("GET", "/api/whoami")
    with pytest.raises(Unauthenticated, match="wrong handle or password"):
        login("http://testserver", "chen.lead", "wrong", TestClient(api))


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, Unauthenticated),
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (422, InvalidInput),
        (429, TooManyAttempts),
        (418, ImplflowError),
    ],
)
def test_an_error_status_is_the_same_domain_error(status: int, error: type) -> None:
    with pytest.raises(error, match=f"^refused with {status}$") as info:
        remote().call("GET", f"/api/fail/{status}")
    assert type(info.value) is error


def test_server_failures_and_validation_errors_are_one_line() -> None:
    with pytest.raises(ImplflowError, match=r"^the console failed \(500\): refused with 500$"):
        remote().call("GET", "/api/fail/500")
    with pytest.raises(InvalidInput, match="query.n: "):
        remote().call("GET", "/api/count", params={"n": "many"})


def test_an_unreachable_console_is_one_line() -> None:
    far = Remote("http://127.0.0.1:9", "ifl_x")
    with pytest.raises(ImplflowError, match="cannot reach the console at http://127.0.0.1:9"):
        far.call("GET", "/api/whoami")
