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
