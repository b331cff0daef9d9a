"""Pages: log-in and out, language, the inbox, the PMO dashboard, a project's page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse
from markupsafe import Markup
from sqlmodel import Session
from starlette.responses import Response

from implflow.console import acting
from implflow.console.auth import TOKEN_KEY, PageUser, session_principal
from implflow.console.forms import AnonymousForm, UserForm, text
from implflow.console.fragments import fragment
from implflow.console.gantt import gantt_svg
from implflow.console.i18n import choose, label
from implflow.console.templating import lang_of, page, templates
from implflow.console.worker import queued_of
from implflow.core.errors import ImplflowError, Unauthenticated
from implflow.services import actions, auth, dashboard, gate_detail, inbox, lookup, project_view

router = APIRouter(include_in_schema=False)


def _next(value: str) -> str:
    """Only a path of this site: never another host (open redirect)."""
    return value if value.startswith("/") and not value.startswith(("//", "/\\")) else "/"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The log-in form."""
    return page(request, "login.html", {"next": _next(next), "handle": ""})


@router.post("/login")
def login(request: Request, form: AnonymousForm) -> Response:
    """Prove a password (throttled by the identity service); the session keeps a log-in token."""
    handle, target = text(form, "handle").strip(), _next(text(form, "next", "/"))
    try:
        issued = auth.login(handle=handle, password=text(form, "password"), token_name="console")
    except Unauthenticated as exc:
        ctx = {"next": target, "handle": handle, "message": str(exc), "failed": True}
        return page(request, "login.html", ctx, status_code=exc.http_status)
    request.session[TOKEN_KEY] = issued.secret
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, who: PageUser, form: UserForm) -> Response:
    """Revoke the session's token and forget the session."""
    if who.token_id is not None:
        actions.run(auth.revoke_token, actor=who, token_id=who.token_id)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/lang")
def set_language(request: Request, form: AnonymousForm) -> Response:
    """Keep the chosen language in the session."""
    request.session["lang"] = choose(text(form, "lang"))
    return RedirectResponse(_next(text(form, "next", "/")), status_code=303)


@router.get("/")
def inbox_page(request: Request, who: PageUser) -> Response:
    """The gates waiting on me: items I own, signatures wanted; overdue first."""
    lang = lang_of(request)
    rows = actions.in_session(
        lambda s: inbox.inbox(s, person_id=who.person_id, is_pmo=who.is_pmo, locale=lang)
    )
    return page(request, "inbox.html", {"rows": rows}, user=who)


@router.get("/dashboard")
def dashboard_page(
    request: Request, who: PageUser, status: str = "", customer: str = ""
) -> Response:
    """Every project: phase, gate, what and whom it waits for, days against SLA, RAG."""
    lang = lang_of(request)
    queued = _all_queued(request)

    def read(s: Session) -> tuple[Markup, list[str]]:
        stamp = dashboard.stamp(s, lang)

        def table() -> str:
            rows = dashboard.dashboard(
                s, locale=lang, status=status or None, client=customer or None, stamped=stamp
            )
            ctx = {"rows": rows, "queued": queued, "t": lambda key: label(key, lang)}
            return templates.get_template("dashboard_table.html").render(ctx)

        key = ("dashboard", stamp, status, customer, tuple(sorted(queued.items())))
        return fragment(key, table), dashboard.customers(s)

    part, customers = actions.in_session(read)
    ctx = {"table": part, "customers": customers, "status": status, "customer": customer}
    return page(request, "dashboard.html", ctx, user=who)


def _all_queued(request: Request) -> dict[str, tuple[str, ...]]:
    """Every project's phases queued or running in this process's worker."""
    trigger = request.app.state.trigger
    waiting = getattr(trigger, "waiting", set())
    return {p: tuple(queued_of(trigger, p)) for p, _ in sorted(waiting)}


@router.get("/p/{project}")
def project_page(request: Request, who: PageUser, project: str) -> Response:
    """A project: Gantt chart planned against actual, documents, members, runs, audit log."""
    view = actions.in_session(lambda s: project_view.project_view(s, project, lang_of(request)))
    ctx = {**view, "gantt": gantt_svg(view["timeline"]), "queued": _queued(request, project)}
    return page(request, "project.html", ctx, user=who)


@router.post("/p/{project}/run")
def run_phase(request: Request, who: PageUser, form: UserForm, project: str) -> Response:
    """Hand the project's open phase to the trigger (the PMO's button)."""
    phase = text(form, "phase")
    try:
        acting.run_phase(who, request.app.state.trigger, project_key=project, phase_key=phase)
    except ImplflowError as exc:
        if exc.http_status == 404:
            raise
        view = actions.in_session(lambda s: project_view.project_view(s, project, lang_of(request)))
        ctx = {
            **view,
            "gantt": gantt_svg(view["timeline"]),
            "queued": _queued(request, project),
            "message": str(exc),
        }
        return page(request, "project.html", ctx, user=who, status_code=exc.http_status)
    return RedirectResponse(f"/p/{project}", status_code=303)


@router.get("/p/{project}/runs")
def runs_status(request: Request, project: str) -> Response:
    """The project's newest runs and queued phases, polled by the page while one runs."""
    if session_principal(request) is None:
        return JSONResponse({"detail": "log in first"}, status_code=401)
    found = actions.in_session(lambda s: gate_detail.runs(s, lookup.project(s, project).id))
    body: dict[str, Any] = {
        "queued": _queued(request, project),
        "runs": [
            {**r, "started_at": str(r["started_at"]), "ended_at": str(r["ended_at"] or "")}
            for r in found
        ],
    }
    return JSONResponse(body)


def _queued(request: Request, project: str) -> list[str]:
    return queued_of(request.app.state.trigger, project)
