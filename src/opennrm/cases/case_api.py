"""Case files API (``/api/v1/cases``): partners' own systems open case files, follow their phases
and protection procedures, read deadlines and report a person missing.

The same services and selectors as the web pages: a case is opened only through
``case_selectors.access_case`` (a missing case and one the caller may not see both give 404; the
refusal and every read are audited), every write is one call of a service. Errors map as
everywhere in the API: missing or forbidden 404, an action the caller's part does not allow 403,
a stale ``version`` 409, a phase step the case's phase does not allow 409 (with the current
``phase``), invalid input 422 with ``errors`` keyed by field. Personal data of the person (name,
date of birth) is not in these answers: read the person through ``/api/v1/persons``.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from opennrm.cases import case_selectors, casefiles, deadlines, missing, phases, protection
from opennrm.cases.models import CaseFile, ClosureReason, Deadline, MissingOutcome

router = Router(tags=["cases"])

MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1


class Error(Schema):
    detail: str


class Invalid(Schema):
    detail: Any
    errors: dict[str, list[str]] | None = None


class Conflict(Schema):
    detail: str
    action: str | None = None
    phase: str | None = None


# --- output -----------------------------------------------------------------------------------


class OrganisationOut(Schema):
    id: int
    name: str


class CaseSummaryOut(Schema):
    id: int
    reference: str
    jurisdiction: str
    phase: str
    lead_organisation: OrganisationOut
    owner_id: int
    unaccompanied_minor: bool
    updated_at: datetime.datetime
    version: int


class ProcedureOut(Schema):
    id: int
    procedure: str = Field(..., description="The rule's key, e.g. BE/residence")
    state: str
    since: datetime.date
    due_on: datetime.date | None
    due_kind: str = Field(..., description='"end", "milestone" or empty')
    renewals_used: int
    may_renew: bool
    next_steps: list[str] = Field(..., description="Transition codes possible from this state")
    version: int


class DeadlineOut(Schema):
    id: int
    case_id: int
    kind: str
    due_on: datetime.date
    remind_on: datetime.date | None
    owner_id: int | None = Field(None, description="Empty: the case owner")
    status: str
    version: int


class DisappearanceOut(Schema):
    id: int
    missing_since: datetime.datetime
    reported_at: datetime.datetime
    police_notified_at: datetime.datetime | None
    guardian_notified_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    outcome: str


class CaseOut(CaseSummaryOut):
    person_id: int
    referral_id: int | None
    identification_status: str
    identification_decided_by_id: int | None
    identification_decided_on: datetime.date | None
    guardian_organisation_id: int | None
    guardian_id: int | None
    police_organisation_id: int | None
    police_contact_id: int | None
    closure_reason: str
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    allowed_steps: list[str]
    categories: list[str] = Field(
        description="The categories of data shared with you (issue #6): identity, health, "
        "immigration (the procedures below), justice, services, notes."
    )
    specially_protected: bool
    procedures: list[ProcedureOut]
    deadlines: list[DeadlineOut]
    disappearances: list[DisappearanceOut]


def _summary(case: CaseFile) -> dict[str, Any]:
    return {
        "id": case.pk,
        "reference": case.reference,
        "jurisdiction": case.jurisdiction,
        "phase": case.phase,
        "lead_organisation": {"id": case.lead_organisation_id, "name": case.lead_organisation.name},
        "owner_id": case.owner_id,
        "unaccompanied_minor": case.unaccompanied_minor,
        "updated_at": case.updated_at,
        "version": case.version,
    }


def _deadline(row: Deadline) -> dict[str, Any]:
    return {
        "id": row.pk,
        "case_id": row.case_id,
        "kind": row.kind,
        "due_on": row.due_on,
        "remind_on": row.remind_on,
        "owner_id": row.owner_id,
        "status": row.status,
        "version": row.version,
    }


def _detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = case_selectors.access_case(actor=request.user, case_id=case_id)
    sees = case_selectors.case_access(request.user, case).categories
    health = case_selectors.health_service_ids(case)
    procedures_out = []
    shown = case.procedures.order_by("pk") if case_selectors.IMMIGRATION in sees else []
    for row in shown:
        options = protection.options(row)
        procedures_out.append(
            {
                "id": row.pk,
                "procedure": row.procedure,
                "state": row.state,
                "since": row.started_on,
                "due_on": row.due_on,
                "due_kind": row.due_kind,
                "renewals_used": row.renewals_used,
                "may_renew": bool(options.get("may_renew")),
                "next_steps": [step.code for step in options.get("steps", [])],
                "version": row.version,
            }
        )
    return {
        **_summary(case),
        "person_id": case.person_id,
        "referral_id": case.referral_id,
        "identification_status": case.identification_status,
        "identification_decided_by_id": case.identification_decided_by_id,
        "identification_decided_on": case.identification_decided_on,
        "guardian_organisation_id": case.guardian_organisation_id,
        "guardian_id": case.guardian_id,
        "police_organisation_id": case.police_organisation_id,
        "police_contact_id": case.police_contact_id,
        "closure_reason": case.closure_reason,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "allowed_steps": case_selectors.allowed_phase_actions(request.user, case),
        "categories": sorted(sees),
        "specially_protected": case.specially_protected,
        "procedures": procedures_out,
        "deadlines": [
            _deadline(row)
            for row in case.deadlines.filter(status="open").order_by("due_on")
            if case_selectors.deadline_visible(row, sees, health)
        ],
        "disappearances": [
            {
                "id": row.pk,
                "missing_since": row.missing_since,
                "reported_at": row.reported_at,
                "police_notified_at": row.police_notified_at,
                "guardian_notified_at": row.guardian_notified_at,
                "ended_at": row.ended_at,
                "outcome": row.outcome,
            }
            for row in case.disappearances.all()
        ],
    }


# --- input ------------------------------------------------------------------------------------


class OpenIn(Schema):
    model_config = ConfigDict(extra="forbid")
    organisation_id: int = Field(..., ge=1, le=MAX_ID, description="The lead organisation")
    person_id: int = Field(..., ge=1, le=MAX_ID, description="A person of that organisation")
    owner_id: int | None = Field(None, ge=1, le=MAX_ID, description="Default: you")
    referral_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The accepted referral the case comes from"
    )
    unaccompanied_minor: bool = False


class StepIn(Schema):
    model_config = ConfigDict(extra="forbid")
    action: Literal["advance", "request_closure", "approve_closure", "reject_closure", "reopen"]
    version: int = Field(..., ge=1, le=MAX_VERSION)
    reason: str = Field(
        "", max_length=30, description="For request_closure: " + ", ".join(ClosureReason.values)
    )
    note: str = Field("", max_length=4000)


class ProcedureStartIn(Schema):
    model_config = ConfigDict(extra="forbid")
    procedure: str = Field(..., max_length=80, description="e.g. BE/residence")
    state: str = Field(..., max_length=60, description="One of the procedure's start states")
    effective_on: datetime.date | None = Field(None, description="Default: today")


class ProcedureStepIn(Schema):
    model_config = ConfigDict(extra="forbid")
    transition: str = Field(..., max_length=60)
    version: int = Field(..., ge=1, le=MAX_VERSION)
    effective_on: datetime.date | None = Field(None, description="Default: today")


class VersionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(..., ge=1, le=MAX_VERSION)


class TaskIn(Schema):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(..., max_length=300)
    due_on: datetime.date
    owner_id: int | None = Field(None, ge=1, le=MAX_ID, description="Default: the case owner")


class MissingIn(Schema):
    model_config = ConfigDict(extra="forbid")
    missing_since: datetime.datetime | None = Field(None, description="Default: now")
    circumstances: str = Field("", max_length=4000)


class FoundIn(Schema):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["returned", "found"] = Field(..., description=", ".join(MissingOutcome.values))


# --- endpoints --------------------------------------------------------------------------------


@router.get("/", response={200: list[CaseSummaryOut]}, summary="List case files")
def list_cases(
    request: HttpRequest, include_closed: bool = Query(False, description="Closed ones too")
) -> list[dict[str, Any]]:
    """The case files you may see (your organisation leads them, or it is on the case team as
    guardian or police contact; coordinators: their country), yours first; at most 200."""
    cases = case_selectors.case_list(actor=request.user, include_closed=include_closed)
    return [_summary(case) for case in cases]


@router.post(
    "/", response={201: CaseOut, 403: Error, 404: Error, 422: Invalid}, summary="Open a case file"
)
def open_case(request: HttpRequest, payload: OpenIn) -> Status[dict[str, Any]]:
    """Open a case file for a person of your organisation, directly or from a referral it
    accepted. 403 without the right to open cases there, 404 for a person or referral you may
    not see, 422 with ``errors`` per field; nothing is stored then."""
    case = casefiles.case_open(
        actor=request.user,
        organisation_id=payload.organisation_id,
        person_id=payload.person_id,
        owner_id=payload.owner_id,
        referral_id=payload.referral_id,
        unaccompanied_minor=payload.unaccompanied_minor,
    )
    return Status(201, _detail(request, case.pk))


@router.get("/deadlines", response={200: list[DeadlineOut]}, summary="Deadlines due soon")
def list_deadlines(
    request: HttpRequest,
    scope: Literal["mine", "organisation"] = Query("mine", description="Yours, or your org's"),
) -> list[dict[str, Any]]:
    """Open deadlines overdue or due within 30 days, nearest first: yours (your tasks and the
    rule dates of the cases you own), or every case your organisation leads."""
    board = (
        case_selectors.organisation_deadlines(actor=request.user)
        if scope == "organisation"
        else case_selectors.my_deadlines(actor=request.user)
    )
    return [_deadline(row) for row in [*board.overdue, *board.soon, *board.later]]


@router.get("/{int:case_id}", response={200: CaseOut, 404: Error}, summary="Read a case file")
def read_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """One case file: phase, team, identification, procedures with their dates and next steps,
    open deadlines and disappearances. 404 when it does not exist or you may not see it; the
    read is audited."""
    return _detail(request, case_id)


@router.post(
    "/{int:case_id}/steps",
    response={200: CaseOut, 403: Error, 404: Error, 409: Conflict, 422: Invalid},
    summary="Move a case file to its next phase",
)
def step_case(request: HttpRequest, case_id: int, payload: StepIn) -> Any:
    """``advance`` (an unaccompanied minor needs a guardian or a reviewed reason),
    ``request_closure`` (with ``reason``), ``approve_closure`` / ``reject_closure``
    (coordinators) or ``reopen``. 409 with the current ``phase`` when the phase does not allow
    it, or when ``version`` is stale."""
    try:
        casefiles.case_step(
            actor=request.user,
            case_id=case_id,
            expected_version=payload.version,
            action=payload.action,
            reason=payload.reason,
            note=payload.note,
        )
    except phases.IllegalTransition:
        case = case_selectors.access_case(actor=request.user, case_id=case_id, record_read=False)
        return Status(
            409,
            {
                "detail": "Not possible in the current phase",
                "action": payload.action,
                "phase": case.phase,
            },
        )
    return _detail(request, case_id)


@router.post(
    "/{int:case_id}/procedures",
    response={201: CaseOut, 404: Error, 422: Invalid},
    summary="Start a protection procedure",
)
def start_procedure(
    request: HttpRequest, case_id: int, payload: ProcedureStartIn
) -> Status[dict[str, Any]]:
    """Start one of the country's procedures (see the jurisdiction rules) in a start state."""
    protection.procedure_start(
        actor=request.user,
        case_id=case_id,
        procedure=payload.procedure,
        state=payload.state,
        effective_on=payload.effective_on,
    )
    return Status(201, _detail(request, case_id))


@router.post(
    "/{int:case_id}/procedures/{int:procedure_id}/steps",
    response={200: CaseOut, 404: Error, 409: Error, 422: Invalid},
    summary="Record a step of a protection procedure",
)
def step_procedure(
    request: HttpRequest, case_id: int, procedure_id: int, payload: ProcedureStepIn
) -> dict[str, Any]:
    """Record the transition ``transition`` as of ``effective_on``: the new state's end, renewal
    or milestone date follows from the rules. 422 when the rules do not allow it from the
    current state, 409 on a stale ``version``."""
    protection.procedure_step(
        actor=request.user,
        case_id=case_id,
        procedure_id=procedure_id,
        expected_version=payload.version,
        transition=payload.transition,
        effective_on=payload.effective_on,
    )
    return _detail(request, case_id)


@router.post(
    "/{int:case_id}/procedures/{int:procedure_id}/renewals",
    response={200: CaseOut, 404: Error, 409: Error, 422: Invalid},
    summary="Renew the current permit",
)
def renew_procedure(
    request: HttpRequest, case_id: int, procedure_id: int, payload: VersionIn
) -> dict[str, Any]:
    """The renewed period runs from the old end date, as often as the rules allow (422 after)."""
    protection.procedure_renew(
        actor=request.user,
        case_id=case_id,
        procedure_id=procedure_id,
        expected_version=payload.version,
    )
    return _detail(request, case_id)


@router.post(
    "/{int:case_id}/tasks",
    response={201: DeadlineOut, 404: Error, 422: Invalid},
    summary="Add a task",
)
def add_task(request: HttpRequest, case_id: int, payload: TaskIn) -> Status[dict[str, Any]]:
    """A task with a due date and an owner of the lead organisation (default: the case owner);
    its owner is reminded before the date."""
    row = deadlines.task_add(
        actor=request.user,
        case_id=case_id,
        title=payload.title,
        due_on=payload.due_on,
        owner_id=payload.owner_id,
    )
    return Status(201, _deadline(row))


@router.post(
    "/{int:case_id}/missing",
    response={201: CaseOut, 403: Error, 404: Error, 422: Invalid},
    summary="Report the person missing",
)
def report_missing(
    request: HttpRequest, case_id: int, payload: MissingIn
) -> Status[dict[str, Any]]:
    """One call: the time is recorded and the police contact and the guardian are notified in
    the same transaction; the answer shows when each was notified."""
    missing.missing_report(
        actor=request.user,
        case_id=case_id,
        missing_since=payload.missing_since,
        circumstances=payload.circumstances,
    )
    return Status(201, _detail(request, case_id))


@router.post(
    "/{int:case_id}/missing/{int:disappearance_id}/end",
    response={200: CaseOut, 403: Error, 404: Error, 422: Invalid},
    summary="Record that the person came back or was found",
)
def end_missing(
    request: HttpRequest, case_id: int, disappearance_id: int, payload: FoundIn
) -> dict[str, Any]:
    missing.missing_end(
        actor=request.user,
        case_id=case_id,
        disappearance_id=disappearance_id,
        outcome=payload.outcome,
    )
    return _detail(request, case_id)
