"""The admin page: accounts (add, disable, enable) and project roles (give a role)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from implflow.console import acting
from implflow.console.auth import PageUser
from implflow.console.forms import UserForm, text
from implflow.console.templating import page
from implflow.core.errors import Forbidden, ImplflowError
from implflow.services import actions, auth, projects
from implflow.services.auth import Principal

router = APIRouter(include_in_schema=False)


def admin_page(
    request: Request, who: Principal, *, message: str | None = None, status_code: int = 200
) -> Response:
    """Every account, with forms to add, disable and enable; admins only."""
    accounts = actions.run(auth.list_accounts, actor=who)
    flash = request.session.pop("flash", None)
    ctx = {"accounts": accounts, "message": message or flash, "failed": bool(message)}
    return page(request, "admin.html", ctx, user=who, status_code=status_code)


@router.get("/admin")
def show(request: Request, who: PageUser) -> Response:
    """Users and their flags."""
    return admin_page(request, who)


def _admin_action(request: Request, who: Principal, do: Callable[[], str]) -> Response:
    try:
        request.session["flash"] = do()  # a refusal is audited by the unit of work
    except Forbidden:
        raise
    except ImplflowError as exc:
        return admin_page(request, who, message=str(exc), status_code=exc.http_status)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users")
def add_user(request: Request, who: PageUser, form: UserForm) -> Response:
    """Give a person an account (created when new)."""
    handle = text(form, "handle").strip()

    def do() -> str:
        actions.run(
            auth.create_account,
            actor=who,
            handle=handle,
            password=text(form, "password"),
            name=text(form, "name").strip() or None,
            title=text(form, "title").strip(),
            is_admin=text(form, "is_admin") == "on",
            is_pmo=text(form, "is_pmo") == "on",
        )
        return f"{handle}: account created"

    return _admin_action(request, who, do)


@router.post("/admin/users/{handle}/{what}")
def set_disabled(
    request: Request, who: PageUser, form: UserForm, handle: str, what: str
) -> Response:
    """Disable or enable an account (its tokens are revoked when disabled)."""

    def do() -> str:
        if what not in ("disable", "enable"):
            raise ImplflowError(f"unknown account action {what!r}: disable or enable")
        actions.run(auth.set_disabled, actor=who, handle=handle, disabled=what == "disable")
        return f"{handle}: {what}d"

    return _admin_action(request, who, do)


@router.post("/p/{project}/members")
def add_member(request: Request, who: PageUser, form: UserForm, project: str) -> Response:
    """Give a person a role on the project (the pack says who may)."""
    handle, role = text(form, "handle").strip(), text(form, "role").strip()
    acting.act(
        who,
        projects.add_member,
        project_key=project,
        handle=handle,
        role=role,
        name=text(form, "name").strip() or None,
    )
    request.session["flash"] = f"{handle}: {role}"
    return RedirectResponse(f"/p/{project}", status_code=303)
