"""The CLI as a client of a console's JSON API (IMPLFLOW_API_URL), acting with the user's token.

Errors come back as the API's status and message and become the same domain errors (and so
the same exit codes) as when the CLI opens the store itself.
"""

from __future__ import annotations

from typing import Any

import httpx

from implflow.core import errors
from implflow.core.errors import ImplflowError, Unauthenticated

BY_STATUS: dict[int, type[ImplflowError]] = {
    401: errors.Unauthenticated,
    403: errors.Forbidden,
    404: errors.NotFound,
    409: errors.Conflict,
    422: errors.InvalidInput,
    429: errors.TooManyAttempts,
}


class Remote:
    """A console's JSON API at `base_url`, called with a bearer token."""

    def __init__(self, base_url: str, token: str | None, client: httpx.Client | None = None):
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=60)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, **kw: Any) -> Any:
        """The JSON the API answers; its error status raised as the matching domain error."""
        url = f"{self.base_url}{path}"
        try:
            res = self.client.request(method, url, headers=self.headers, **kw)
        except httpx.HTTPError as exc:
            raise ImplflowError(f"cannot reach the console at {self.base_url}: {exc}") from None
        if res.status_code >= 400:
            raise error_of(res)
        return res.json() if res.content else None


def error_of(res: httpx.Response) -> ImplflowError:
    """The domain error an API answer stands for, with the API's one-line message."""
    try:
        body = res.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):  # FastAPI's own validation errors
        detail = "; ".join(
            f"{'.'.join(map(str, d.get('loc', [])))}: {d.get('msg')}" for d in detail
        )
    message = str(detail or res.reason_phrase or f"HTTP {res.status_code}")
    if res.status_code >= 500:
        return ImplflowError(f"the console failed ({res.status_code}): {message}")
    return BY_STATUS.get(res.status_code, ImplflowError)(message)


def login(base_url: str, handle: str, password: str, client: httpx.Client | None = None) -> Any:
    """Log in through the console's API: its answer carries the token."""
    answer = Remote(base_url, None, client).call(
        "POST", "/api/auth/token", json={"handle": handle, "password": password}
    )
    if not isinstance(answer, dict) or "token" not in answer:
        raise Unauthenticated("the console did not answer with a token")
    return answer


V1 = "/api/v1"


def make_client() -> httpx.Client:
    """The HTTP client the CLI calls the console with (tests hand in the app's own)."""
    return httpx.Client(timeout=60)


def api() -> Remote | None:
    """The console's API when IMPLFLOW_API_URL is set (with the saved token), else None."""
    from implflow.cli import credentials
    from implflow.core.settings import get_settings

    url = get_settings().api_url
    return Remote(url, credentials.token(), make_client()) if url else None


def gate_path(project: str, gate: str) -> str:
    return f"{V1}/projects/{project}/gates/{gate}"


def complete(
    r: Remote, project: str, gate: str, item: str, note: str, url: str | None, evidence: Any
) -> str:
    """Complete an item through the API (an evidence file is uploaded); the API's answer."""
    path = f"{gate_path(project, gate)}/items/{item}"
    if evidence is None:
        return str(r.call("POST", f"{path}/complete", json={"note": note, "url": url})["detail"])
    with open(evidence, "rb") as f:
        files = {"file": (evidence.name, f)}
        return str(r.call("POST", f"{path}/evidence", files=files, data={"note": note})["detail"])


def signature(r: Remote, project: str, gate: str, verb: str, body: dict[str, Any], ask: Any) -> Any:
    """Sign or reject through the API; when it wants the password again, `ask()` for it once."""
    path = f"{gate_path(project, gate)}/{verb}"
    try:
        return r.call("POST", path, json=body)
    except Unauthenticated as exc:
        if "password again" not in str(exc) or body.get("password"):
            raise
    return r.call("POST", path, json=body | {"password": ask()})
