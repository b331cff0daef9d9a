"""The pages' Jinja2 environment (autoescaped, from the package) and the page renderer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from implflow.console.i18n import choose, label
from implflow.console.security import csrf_token
from implflow.services.auth import Principal
from implflow.services.signatures import shown_at

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def _when(at: datetime | None) -> str:
    return shown_at(at) if at is not None else ""


def _day(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d}" if at is not None else ""


templates.env.filters.update(when=_when, day=_day)


def lang_of(request: Request) -> str:
    """The language the person chose (kept in the session), else English."""
    return choose(request.session.get("lang"))


def page(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    user: Principal | None = None,
    status_code: int = 200,
) -> Response:
    """Render a page with the language, labels, the person and the form's CSRF token."""
    lang = lang_of(request)
    ctx = {
        "lang": lang,
        "t": lambda key: label(key, lang),
        "user": user,
        "csrf": csrf_token(request.session),
        "message": None,
        **context,
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
