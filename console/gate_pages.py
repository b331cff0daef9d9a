"""The gate page and its forms: complete (with evidence), waive, sign, reject.

Each form carries the gate's `version` as drawn: a form drawn before a change is refused
with a message asking to reload, and the page comes back with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from implflow.console import acting, uploads
from implflow.console.auth import PageUser
from implflow.console.forms import UserForm, text
from implflow.console.templating import page
from implflow.console.worker import queued_of
from implflow.core.errors import ImplflowError, InvalidInput
from implflow.services import actions, auth, gate_detail
from implflow.services import gates as gate_service
from implflow.services.auth import Principal

router = APIRouter(include_in_schema=False)
FLASH = "flash"


def gate_page(
    request: Request,
    who: Principal,
    project: str,
    gate: str,
    *,
    message: str | None = None,
    kept: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """Draw the gate page (with a message and the fields typed in a refused form)."""
    view = actions.in_session(lambda s: gate_detail.gate_detail(s, project, gate, viewer=who))
    flash = request.session.pop(FLASH, None)
    ctx = {
        "g": view,
        "message": message or flash,
        "failed": bool(message),
        "kept": kept or {},
        "queued": queued_of(request.app.state.trigger, project),
    }
    return page(request, "gate.html", ctx, user=who, status_code=status_code)


@router.get("/p/{project}/g/{gate}")
def show(request: Request, who: PageUser, project: str, gate: str) -> Response:
    """The gate: checklist, criteria, documents to sign, sign-offs, audit trail, runs."""
    return gate_page(request, who, project, gate)


def _version(form: FormData) -> int:
    raw = text(form, "version")
    if not raw.isdigit():
        raise InvalidInput("the form has no gate version: reload the page")
    return int(raw)


def _submit(
    request: Request,
    who: Principal,
    project: str,
    gate: str,
    form: FormData,
    do: Callable[[], str],
) -> Response:
    """Run a form's action; a refusal redraws the page with the message and the typed fields."""
    kept = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf", "password")}
    try:
        acting.known_gate(project, gate)
        done = do()
    except ImplflowError as exc:
        if exc.http_status == 404:
            raise
        return gate_page(
            request, who, project, gate, message=str(exc), kept=kept, status_code=exc.http_status
        )
    request.session[FLASH] = done
    return RedirectResponse(f"/p/{project}/g/{gate}", status_code=303)


@router.post("/p/{project}/g/{gate}/complete")
def complete(request: Request, who: PageUser, form: UserForm, project: str, gate: str) -> Response:
    """Mark an item done, with a note and an uploaded file or a URL."""
    item = text(form, "item")

    def do() -> str:
        version = _version(form)
        kw = {"project_key": project, "gate_key": gate, "item_key": item}
        acting.may_complete(who, **kw)  # before anything is stored
        upload = form.get("file")
        stored = uploads.store(upload, project) if isinstance(upload, UploadFile) else None
        acting.act(
            who,
            gate_service.complete_item,
            version=version,
            **kw,
            note=text(form, "note"),
            evidence=stored,
            url=text(form, "url").strip() or None,
        )
        return f"{item}: done"

    return _submit(request, who, project, gate, form, do)


@router.post("/p/{project}/g/{gate}/waive")
def waive(request: Request, who: PageUser, form: UserForm, project: str, gate: str) -> Response:
    """Waive an item with a reason."""
    item = text(form, "item")

    def do() -> str:
        acting.act(
            who,
            gate_service.waive_item,
            version=_version(form),
            project_key=project,
            gate_key=gate,
            item_key=item,
            reason=text(form, "reason"),
        )
        return f"{item}: waived"

    return _submit(request, who, project, gate, form, do)


@router.post("/p/{project}/g/{gate}/sign")
def sign(request: Request, who: PageUser, form: UserForm, project: str, gate: str) -> Response:
    """Sign for a role; a signature that meets the gate hands its phase to the trigger."""

    def do() -> str:
        out = acting.sign(
            who,
            request.app.state.trigger,
            project_key=project,
            gate_key=gate,
            role=text(form, "role"),
            comment=text(form, "comment"),
            password=text(form, "password") or None,
            version=_version(form),
        )
        if out.met:
            return f"{gate}: met; phase {out.phase} {out.started}"
        return f"{gate}: signed; waits for {out.waiting_for}"

    return _submit(request, who, project, gate, form, do)


@router.post("/p/{project}/g/{gate}/reject")
def reject(request: Request, who: PageUser, form: UserForm, project: str, gate: str) -> Response:
    """Reject the gate with a comment: it reopens and earlier approvals are void."""

    def do() -> str:
        acting.act(
            auth.reauthenticate(who, text(form, "password") or None),
            gate_service.reject,
            version=_version(form),
            project_key=project,
            gate_key=gate,
            role=text(form, "role"),
            reason=text(form, "comment"),
        )
        return f"{gate}: rejected"

    return _submit(request, who, project, gate, form, do)
