"""A page's form, read once its CSRF token is checked (a refusal is audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from implflow.console.auth import PageUser, audit_refusal
from implflow.console.security import csrf_ok
from implflow.core.errors import Forbidden, InvalidInput
from implflow.core.settings import get_settings

FORM_OVERHEAD = 64 * 1024  # the fields and multipart boundaries around an upload


def too_large(size: int, limit: int) -> str:
    return (
        f"the upload is {size} bytes, larger than the limit of {limit} bytes "
        "(IMPLFLOW_EVIDENCE_MAX_BYTES): nothing was stored"
    )


async def read_form(request: Request, actor: str) -> FormData:
    """The form, refused before parsing when too large and after when its token is wrong."""
    limit = get_settings().evidence_max_bytes
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + FORM_OVERHEAD:
        raise InvalidInput(too_large(int(length), limit))
    form = await request.form()
    sent = form.get("csrf")
    if not csrf_ok(request.session, sent if isinstance(sent, str) else None):
        audit_refusal(request, "missing or wrong CSRF token", actor, "csrf.refused")
        raise Forbidden("this form has no valid CSRF token: reload the page and send it again")
    return form


async def user_form(request: Request, who: PageUser) -> FormData:
    """The form of a logged-in person."""
    return await read_form(request, who.handle)


async def anonymous_form(request: Request) -> FormData:
    """The log-in form (a CSRF token too: nobody may log a browser in behind its back)."""
    return await read_form(request, "anonymous")


UserForm = Annotated[FormData, Depends(user_form)]
AnonymousForm = Annotated[FormData, Depends(anonymous_form)]


def text(form: FormData, name: str, default: str = "") -> str:
    """A text field of the form (an upload in its place counts as empty)."""
    value = form.get(name, default)
    return value if isinstance(value, str) else default
