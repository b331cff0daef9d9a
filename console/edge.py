"""The console's error edge: domain errors become their HTTP status and one line.

The JSON API answers `{"detail": "one line"}` with `ImplflowError.http_status`; a page shows
the same line on an error page (a form's own errors are shown on the form by its route);
nobody logged in on a page is sent to the log-in page.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from implflow.console.auth import LoginRequired, session_principal
from implflow.console.templating import page
from implflow.core.errors import ImplflowError, Unauthenticated

log = logging.getLogger("implflow.console")


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def to_login(request: Request) -> RedirectResponse:
    """A redirect to the log-in page that comes back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/"  # a form's address cannot be fetched again after logging in
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def error_response(request: Request, status: int, message: str) -> Response:
    """The error as JSON for the API, as a page for a person."""
    if is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    return page(
        request,
        "error.html",
        {"status": status, "message": message},
        user=session_principal(request) if status != 401 else None,
        status_code=status,
    )


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ImplflowError)
    if isinstance(exc, Unauthenticated) and not is_api(request):
        return to_login(request)
    return error_response(request, exc.http_status, str(exc).splitlines()[0])


async def login_required(request: Request, exc: Exception) -> Response:
    if is_api(request):
        return error_response(request, 401, "log in first")
    return to_login(request)


async def store_error(request: Request, exc: Exception) -> Response:
    log.warning("store error on %s: %s", request.url.path, exc, exc_info=exc)
    first = str(getattr(exc, "orig", exc)).splitlines()[0]
    return error_response(request, 503, f"the store could not answer, try again: {first}")


def install(app: FastAPI) -> None:
    """Register the handlers on the application."""
    app.add_exception_handler(ImplflowError, domain_error)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(SQLAlchemyError, store_error)
