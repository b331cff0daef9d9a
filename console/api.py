"""The JSON API's log-in and reads (bearer token): who am I, inbox, portfolio, a project,
a gate, records, members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from implflow.console.auth import ApiUser
from implflow.services import actions, auth, dashboard, gate_detail, inbox, lookup, project_view
from implflow.services import projects as project_service
from implflow.services import records as record_service

router = APIRouter(tags=["api"])
V1 = "/api/v1"


class Credentials(BaseModel):
    handle: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    token: str
    handle: str
    expires_at: datetime


class Me(BaseModel):
    handle: str
    name: str
    admin: bool
    pmo: bool


class Member(BaseModel):
    handle: str
    name: str
    role: str


@router.post("/api/auth/token", response_model=TokenOut)
def token(body: Credentials) -> TokenOut:
    """Log in with a password: a log-in token (shown once) for `Authorization: Bearer`."""
    issued = auth.login(handle=body.handle, password=body.password, token_name="api")
    return TokenOut(token=issued.secret, handle=issued.handle, expires_at=issued.expires_at)


@router.get(f"{V1}/whoami", response_model=Me)
def whoami(who: ApiUser) -> Me:
    """The person the token stands for."""
    return Me(handle=who.handle, name=who.name, admin=who.is_admin, pmo=who.is_pmo)


@router.get(f"{V1}/inbox")
def my_inbox(who: ApiUser, locale: str = "en") -> list[dict[str, Any]]:
    """The open gates waiting on me: items I own, signatures wanted; overdue first."""
    rows = actions.in_session(
        lambda s: inbox.inbox(s, person_id=who.person_id, is_pmo=who.is_pmo, locale=locale)
    )
    return [r.__dict__ | {"items": [i.__dict__ for i in r.items]} for r in rows]


@router.get(f"{V1}/projects")
def portfolio(
    who: ApiUser, status: str | None = None, customer: str | None = None
) -> list[dict[str, Any]]:
    """Every project: phase, gate, what and whom it waits for, days against SLA, RAG."""
    rows = actions.in_session(lambda s: dashboard.dashboard(s, status=status, client=customer))
    return [
        r.status.model_dump() | {"client": r.client, "sla_days": r.sla_days, "rag": r.rag}
        for r in rows
    ]


@router.get(f"{V1}/projects/{{project}}")
def project(who: ApiUser, project: str) -> dict[str, Any]:
    """A project: plan against actual, documents, members, runs, audit log."""
    view = actions.in_session(lambda s: project_view.project_view(s, project))
    view["timeline"] = [b.__dict__ for b in view["timeline"]]
    view["documents"] = [
        {
            "gate": d.gate_key,
            "document": d.doc_key,
            "format": d.fmt,
            "version": d.version,
            "status": d.status,
            "sha256": d.sha256,
        }
        for d in view["documents"]
    ]
    view["members"] = [{"handle": h, "name": n, "role": r} for h, n, r in view["members"]]
    return view


@router.get(f"{V1}/projects/{{project}}/gates/{{gate}}")
def gate(who: ApiUser, project: str, gate: str) -> dict[str, Any]:
    """A gate: checklist, criteria, documents (sha256), sign-offs, audit trail, runs."""
    view = actions.in_session(lambda s: gate_detail.gate_detail(s, project, gate, viewer=who))
    for doc in view["documents"]:
        doc.pop("body")
    return view


@router.get(f"{V1}/projects/{{project}}/records")
def records(who: ApiUser, project: str, kind: str | None = None) -> dict[str, list[dict]]:
    """The project's records grouped by kind (one kind when given)."""
    return actions.in_session(lambda s: record_service.listing(s, project_key=project, kind=kind))


@router.get(f"{V1}/projects/{{project}}/members", response_model=list[Member])
def members(who: ApiUser, project: str) -> list[Member]:
    """The project's members and their roles."""
    rows = actions.in_session(lambda s: project_service.members(s, lookup.project(s, project)))
    return [Member(handle=h, name=n, role=r) for h, n, r in rows]
