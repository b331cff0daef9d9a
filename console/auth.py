"""Who is asking: a page's session cookie or the API's bearer token, proven by services.auth.

The session keeps the secret of a log-in token issued by `services.auth.login`: revoking the
token (log-out, password change, disabled account) ends the session at the next request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from implflow.core.errors import Unauthenticated
from implflow.services import auth, uow
from implflow.services.auth import Principal
from implflow.store import audit

TOKEN_KEY = "token"
SAFE = ("GET", "HEAD", "OPTIONS")


class LoginRequired(Exception):
    """A page asked for by nobody logged in: the edge redirects to the log-in page."""


def audit_refusal(
    request: Request, reason: str, actor: str = "anonymous", action: str = "auth.refused"
) -> None:
    """Record a write refused at the door (nobody proven, no CSRF token) in the global log."""
    with uow.transaction(actor) as s:
        audit.append(
            s,
            chain=audit.GLOBAL,
            actor=actor,
            action=action,
            target=request.url.path[:200],
            detail={"via": "console", "method": request.method, "reason": reason},
        )


def session_principal(request: Request) -> Principal | None:
    """The person logged in by this session, or None (a dead token is dropped)."""
    secret = request.session.get(TOKEN_KEY)
    if not isinstance(secret, str):
        return None
    try:
        return auth.authenticate_token(secret=secret)
    except Unauthenticated:
        request.session.pop(TOKEN_KEY, None)
        return None


def page_user(request: Request) -> Principal:
    """The logged-in person of a page; nobody: a redirect to the log-in page (writes audited)."""
    who = session_principal(request)
    if who is None:
        if request.method not in SAFE:
            audit_refusal(request, "no session")
        raise LoginRequired()
    return who


def api_user(request: Request) -> Principal:
    """The person an API request's bearer token stands for; 401 (audited) otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        if request.method not in SAFE:
            audit_refusal(request, "no bearer token")
        raise Unauthenticated("send Authorization: Bearer TOKEN (implflow token create)")
    return auth.authenticate_token(secret=secret)


PageUser = Annotated[Principal, Depends(page_user)]
ApiUser = Annotated[Principal, Depends(api_user)]
