"""The JSON API's writes (bearer token): complete, evidence, waive, sign, reject, run a phase,
import records, give a role. The same unit of work and rules as the pages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from implflow.console import acting, uploads
from implflow.console.api import V1, Member
from implflow.console.auth import ApiUser
from implflow.services import auth, projects, records
from implflow.services import gates as gate_service

router = APIRouter(tags=["api"])
GATE = f"{V1}/projects/{{project}}/gates/{{gate}}"


class Versioned(BaseModel):
    version: int | None = Field(
        default=None, description="The gate version the client saw; a changed gate is refused."
    )


class Completion(Versioned):
    note: str = Field(default="", max_length=4000)
    url: str | None = Field(default=None, max_length=2000)


class WaiverIn(Versioned):
    reason: str = Field(max_length=4000)


class SignatureIn(Versioned):
    role: str = Field(max_length=64)
    comment: str = Field(default="", max_length=4000)
    password: str | None = Field(
        default=None, max_length=1024, description="Needed unless the log-in is fresh."
    )


class RejectionIn(Versioned):
    role: str = Field(max_length=64)
    reason: str = Field(max_length=4000)
    password: str | None = Field(default=None, max_length=1024)


class Done(BaseModel):
    detail: str


class SignedOut(BaseModel):
    met: bool
    waiting_for: str
    phase: str
    started: str | None


class RecordsIn(BaseModel):
    records: dict[str, dict[str, dict[str, Any]]] = Field(
        description="{kind: {key: {field: value}}}"
    )


class MemberIn(BaseModel):
    handle: str = Field(min_length=1, max_length=64)
    role: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=200)


@router.post(f"{GATE}/items/{{item}}/complete", response_model=Done)
def complete(who: ApiUser, project: str, gate: str, item: str, body: Completion) -> Done:
    """Mark an item done, with a note and an evidence URL."""
    acting.act(
        who,
        gate_service.complete_item,
        version=body.version,
        project_key=project,
        gate_key=gate,
        item_key=item,
        note=body.note,
        url=body.url,
    )
    return Done(detail=f"{gate}/{item}: done by {who.handle}")


@router.post(f"{GATE}/items/{{item}}/evidence", response_model=Done)
def evidence(
    who: ApiUser,
    project: str,
    gate: str,
    item: str,
    file: Annotated[UploadFile, File(description="The evidence file (size, type limited).")],
    note: Annotated[str, Form(max_length=4000)] = "",
    version: Annotated[int | None, Form()] = None,
) -> Done:
    """Mark an item done with an uploaded evidence file (kept with its sha256)."""
    kw = {"project_key": project, "gate_key": gate, "item_key": item}
    acting.known_gate(project, gate)
    acting.may_complete(who, **kw)  # before anything is stored
    stored = uploads.store(file, project)
    acting.act(
        who,
        gate_service.complete_item,
        version=version,
        **kw,
        note=note,
        evidence=stored,
    )
    return Done(detail=f"{gate}/{item}: done by {who.handle} with evidence")


@router.post(f"{GATE}/items/{{item}}/waive", response_model=Done)
def waive(who: ApiUser, project: str, gate: str, item: str, body: WaiverIn) -> Done:
    """Waive an item with a reason."""
    acting.act(
        who,
        gate_service.waive_item,
        version=body.version,
        project_key=project,
        gate_key=gate,
        item_key=item,
        reason=body.reason,
    )
    return Done(detail=f"{gate}/{item}: waived by {who.handle}")


@router.post(f"{GATE}/sign", response_model=SignedOut)
def sign(request: Request, who: ApiUser, project: str, gate: str, body: SignatureIn) -> SignedOut:
    """Sign for a role; the signature that meets the gate hands its phase to the trigger."""
    out = acting.sign(
        who,
        request.app.state.trigger,
        project_key=project,
        gate_key=gate,
        role=body.role,
        comment=body.comment,
        password=body.password,
        version=body.version,
    )
    return SignedOut(met=out.met, waiting_for=out.waiting_for, phase=out.phase, started=out.started)


@router.post(f"{GATE}/reject", response_model=Done)
def reject(who: ApiUser, project: str, gate: str, body: RejectionIn) -> Done:
    """Reject the gate: it reopens with the reason and approvals given so far are void."""
    acting.act(
        auth.reauthenticate(who, body.password),
        gate_service.reject,
        version=body.version,
        project_key=project,
        gate_key=gate,
        role=body.role,
        reason=body.reason,
    )
    return Done(detail=f"{gate}: rejected by {who.handle}")


@router.post(
    f"{V1}/projects/{{project}}/phases/{{phase}}/run", response_model=Done, status_code=202
)
def run_phase(request: Request, who: ApiUser, project: str, phase: str) -> Done:
    """Hand a phase to the trigger; it runs outside the request (see the project's runs)."""
    state = acting.run_phase(who, request.app.state.trigger, project_key=project, phase_key=phase)
    return Done(detail=f"{project} {phase}: {state}")


@router.post(f"{V1}/projects/{{project}}/records", response_model=Done)
def import_records(who: ApiUser, project: str, body: RecordsIn) -> Done:
    """Enter or replace the project's records."""
    changed = acting.act(who, records.upsert_many, project_key=project, records=body.records)
    return Done(detail=f"{changed} records changed")


@router.post(f"{V1}/projects/{{project}}/members", response_model=Member)
def add_member(who: ApiUser, project: str, body: MemberIn) -> Member:
    """Give a person a role on the project."""
    acting.act(
        who,
        projects.add_member,
        project_key=project,
        handle=body.handle,
        role=body.role,
        name=body.name,
    )
    return Member(handle=body.handle, name=body.name or "", role=body.role)
