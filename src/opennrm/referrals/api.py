"""Referrals API (``/api/v1/referrals``): partners' own systems refer signals and answer referrals.

The same services and selectors as the web pages: a referral is opened only through
``selectors.access_referral`` (a missing referral and one the caller may not see both give 404;
the refusal and every read are audited), every write is one call of a service, and what of the
signal a referral shows follows ``selectors.sees_shared`` and ``sharing.shared_data`` (the
recipient sees the shared categories only once it has accepted). Errors map as everywhere in the
API: missing or forbidden 404, an action the caller's part does not allow 403, a stale
``version`` 409, an action the referral's state does not allow 409 (with the current ``state``),
invalid input 422 with ``errors`` keyed by the field of the request body.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from opennrm.core.errors import InvalidInput
from opennrm.referrals import selectors, services
from opennrm.referrals.lifecycle import IllegalTransition
from opennrm.referrals.models import (
    ConsentBasis,
    DeclineReason,
    OverrideGround,
    Referral,
    ReferralTransition,
    RevokeReason,
)
from opennrm.referrals.routing import NATIONALITIES
from opennrm.referrals.sharing import SHARE_CODES, SharedData, shared_data
from opennrm.referrals.validation import NOTE_LIMIT

router = Router(tags=["referrals"])

MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1


def _codes(values: Any) -> str:
    return ", ".join(str(value) for value in values if value)


class Error(Schema):
    detail: str


class Invalid(Schema):
    """422: ``errors`` maps fields of the body to messages (from the services); schema errors
    list details."""

    detail: Any
    errors: dict[str, list[str]] | None = None


class Conflict(Schema):
    """409: a stale ``version`` (someone changed the referral), or an action its current
    ``state`` does not allow (``action`` and ``state`` given)."""

    detail: str
    action: str | None = None
    state: str | None = None


# --- input ----------------------------------------------------------------------------------------


class SituationIn(Schema):
    """The routing categories asked when referring (never personal data)."""

    model_config = ConfigDict(extra="forbid")
    nationality: str = Field("unknown", max_length=20, description=_codes(NATIONALITIES))
    unaccompanied: bool | None = Field(None, description="Unknown if omitted")
    needs_shelter: bool | None = Field(None, description="Unknown if omitted")


class ConsentIn(Schema):
    """The person's informed consent, or the legal ground for referring without it."""

    model_config = ConfigDict(extra="forbid")
    basis: str = Field(..., max_length=10, description=_codes(ConsentBasis.values))
    given_at: datetime.datetime | None = Field(
        None, description="consent: when the person gave it (ISO 8601, not in the future)"
    )
    language: str = Field(
        "", max_length=10, description="consent: language code the consent was explained in"
    )
    explained_by: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="consent: user id of the colleague who explained it (default: the caller)",
    )
    ground: str = Field("", max_length=30, description="override: " + _codes(OverrideGround.values))
    explanation: str = Field(
        "", max_length=NOTE_LIMIT, description="override: why consent could not be asked"
    )


class ReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, not silently lost
    signal_id: int = Field(..., ge=1, le=MAX_ID, description="A signal you may refer")
    recipient_organisation_id: int = Field(
        ..., ge=1, le=MAX_ID, description="An organisation of the signal's country"
    )
    rule: str = Field(
        "",
        max_length=60,
        description="Id of the routing rule proposing the recipient; empty if you chose it",
    )
    situation: SituationIn | None = None
    shared: list[str] = Field(
        default_factory=list,
        max_length=len(SHARE_CODES),
        description="Data categories shared once accepted: " + _codes(SHARE_CODES),
    )
    consent: ConsentIn
    note: str = Field("", max_length=NOTE_LIMIT, description="Message to the recipient")
    send: bool = Field(False, description="Send at once (else a draft)")


class VersionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(
        ..., ge=1, le=MAX_VERSION, description="The version you read; 409 if it changed since"
    )


class DeclineIn(VersionIn):
    reason: str = Field(..., max_length=20, description=_codes(DeclineReason.values))
    note: str = Field("", max_length=NOTE_LIMIT)


class RevokeIn(VersionIn):
    reason: str = Field(..., max_length=20, description=_codes(RevokeReason.values))


class ReviewIn(VersionIn):
    outcome: str = Field(..., max_length=10, description="upheld, rejected")


# --- output ---------------------------------------------------------------------------------------


class OrganisationRefOut(Schema):
    id: int
    name: str


class ReferralSummaryOut(Schema):
    """A referral in a list: codes, organisations and moments, no text of the signal."""

    id: int
    reference: str
    signal_reference: str
    state: str
    urgency: str
    sender_organisation: OrganisationRefOut
    recipient_organisation: OrganisationRefOut
    responsible_organisation_id: int
    function: str
    rule_id: str
    created_at: datetime.datetime
    sent_at: datetime.datetime | None
    accept_by: datetime.datetime | None
    accepted_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    escalated: bool
    version: int


class SituationOut(Schema):
    nationality: str
    unaccompanied: bool | None
    needs_shelter: bool | None


class ConsentOut(Schema):
    basis: str
    given_at: datetime.datetime | None
    language: str
    explained_by: int | None
    ground: str
    explanation: str | None = Field(..., description="Null unless you see the shared data")
    review_status: str
    reviewed_at: datetime.datetime | None


class CategoriesOut(Schema):
    """Always shown: they identify nobody. Labels in the language of the request."""

    population: str
    population_label: str
    estimated_age: int | None
    forms: list[str]
    form_labels: list[str]
    labour_sector: str
    sector_label: str
    barrier: str
    barrier_label: str
    region: str
    acute: bool
    latest_screening_level_label: str


class SharedScreeningOut(Schema):
    performed_at: datetime.datetime
    catalogue: str
    level: str
    observed: list[str]


class SharedDataOut(Schema):
    """The categories the sender shares; null where a category is not shared."""

    description: str | None
    person_description: str | None
    place: str | None
    first_contact: dict[str, Any] | None
    screenings: list[SharedScreeningOut] | None
    note: str | None = Field(..., description="The sender's message to the recipient")


class TransitionOut(Schema):
    action: str
    from_state: str = Field(..., alias="from")
    to_state: str = Field(..., alias="to")
    at: datetime.datetime
    organisation_id: int | None
    reason: str


class ReferralOut(ReferralSummaryOut):
    """One referral (the read is audited, and so is every showing of shared data)."""

    signal_id: int
    rule_source: str
    situation: SituationOut
    shared: list[str] = Field(..., description="Codes of the data categories shared")
    consent: ConsentOut
    decline_reason: str
    decline_note: str | None
    suggested_next: OrganisationRefOut | None
    categories: CategoriesOut
    sees_shared: bool = Field(..., description="Whether shared_data is shown to you")
    shared_data: SharedDataOut | None
    transitions: list[TransitionOut]
    actions: list[str] = Field(..., description="The lifecycle actions you may take now")


def _org(organisation: Any) -> dict[str, Any] | None:
    return None if organisation is None else {"id": organisation.pk, "name": organisation.name}


def _summary(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.pk,
        "reference": referral.reference,
        "signal_reference": referral.signal.reference,
        "state": referral.state,
        "urgency": referral.urgency,
        "sender_organisation": _org(referral.sender_organisation),
        "recipient_organisation": _org(referral.recipient_organisation),
        "responsible_organisation_id": referral.responsible_organisation_id,
        "function": referral.function,
        "rule_id": referral.rule_id,
        "created_at": referral.created_at,
        "sent_at": referral.sent_at,
        "accept_by": referral.accept_by,
        "accepted_at": referral.accepted_at,
        "closed_at": referral.closed_at,
        "escalated": referral.escalated_at is not None,
        "version": referral.version,
    }


def _categories(referral: Referral, data: SharedData) -> dict[str, Any]:
    signal = referral.signal
    return {
        "population": signal.population,
        "population_label": data.population,
        "estimated_age": data.estimated_age,
        "forms": list(signal.forms or []),
        "form_labels": data.forms,
        "labour_sector": signal.labour_sector,
        "sector_label": data.sector,
        "barrier": signal.barrier,
        "barrier_label": data.barrier,
        "region": data.region,
        "acute": data.acute,
        "latest_screening_level_label": data.latest_level,
    }


def _shared(referral: Referral, data: SharedData) -> dict[str, Any] | None:
    if not data.shared:
        return None
    screenings = (
        None
        if data.screenings is None
        else [
            {
                "performed_at": item.performed_at,
                "catalogue": item.catalogue,
                "level": item.level,
                "observed": list(item.observed),
            }
            for item in data.screenings
        ]
    )
    return {
        "description": data.description,
        "person_description": data.person_description,
        "place": data.place,
        "first_contact": data.first_contact,
        "screenings": screenings,
        "note": referral.note,
    }


def _transition(step: ReferralTransition) -> dict[str, Any]:
    return {
        "action": step.action,
        "from": step.from_state,
        "to": step.to_state,
        "at": step.occurred_at,
        "organisation_id": step.organisation_id,
        "reason": step.reason,
    }


def _detail(request: HttpRequest, referral_id: int) -> dict[str, Any]:
    """The referral as ``request.user`` may see it, opened through the one (audited) door."""
    actor = request.user
    referral = selectors.access_referral(actor=actor, referral_id=referral_id)
    sees = selectors.sees_shared(actor, referral)
    data = shared_data(actor=actor, referral=referral, show_shared=sees)
    situation = referral.situation or {}
    return {
        **_summary(referral),
        "signal_id": referral.signal_id,
        "rule_source": referral.rule_source,
        "situation": {
            "nationality": situation.get("nationality") or "unknown",
            "unaccompanied": situation.get("unaccompanied"),
            "needs_shelter": situation.get("needs_shelter"),
        },
        "shared": list(referral.shared or []),
        "consent": {
            "basis": referral.consent_basis,
            "given_at": referral.consent_given_at,
            "language": referral.consent_language,
            "explained_by": referral.consent_explained_by_id,
            "ground": referral.override_ground,
            "explanation": referral.override_explanation if sees else None,
            "review_status": referral.review_status,
            "reviewed_at": referral.reviewed_at,
        },
        "decline_reason": referral.decline_reason,
        "decline_note": referral.decline_note if sees else None,
        "suggested_next": _org(referral.suggested_next),
        "categories": _categories(referral, data),
        "sees_shared": sees,
        "shared_data": _shared(referral, data),
        "transitions": [_transition(step) for step in selectors.transitions_of(referral)],
        "actions": selectors.allowed_actions(actor, referral),
    }


# Errors of the services name their own fields; the API names the fields of the request body.
CREATE_FIELDS = {
    "recipient": "recipient_organisation_id",
    **{key: f"situation.{key}" for key in ("nationality", "unaccompanied", "needs_shelter")},
    **{
        key: f"consent.{key}"
        for key in ("basis", "given_at", "language", "explained_by", "ground", "explanation")
    },
}


def _body_fields(exc: InvalidInput, names: dict[str, str]) -> InvalidInput:
    errors: dict[str, list[str]] = {}
    for key, messages in exc.errors.items():
        errors.setdefault(names.get(key, key), []).extend(messages)
    return InvalidInput(errors)


# --- endpoints ------------------------------------------------------------------------------------


@router.get(
    "/",
    response={200: list[ReferralSummaryOut], 422: Invalid},
    summary="List the referrals of your organisation",
)
def list_referrals(
    request: HttpRequest,
    direction: Literal["sent", "received"] | None = Query(
        None, description="Only those sent, or only those received; both if omitted"
    ),
) -> list[dict[str, Any]]:
    """Referrals your organisation sent (newest first) and then those it received or is now
    responsible for (waiting ones first, nearest deadline first); at most 200 of each. A draft is
    the sender's alone. Lists hold no text of the signal: read one referral for what it shares."""
    rows: list[Referral] = []
    if direction in (None, "sent"):
        rows += selectors.sent_by_my_organisations(actor=request.user)
    if direction in (None, "received"):
        seen = {item.pk for item in rows}
        rows += [
            item
            for item in selectors.received_by_my_organisations(actor=request.user)
            if item.pk not in seen
        ]
    return [_summary(item) for item in rows]


@router.post(
    "/",
    response={201: ReferralOut, 403: Error, 404: Error, 422: Invalid},
    by_alias=True,  # a transition's "from" and "to"
    summary="Refer a signal",
)
def create_referral(request: HttpRequest, payload: ReferralIn) -> Status[dict[str, Any]]:
    """Refer the signal ``signal_id`` to ``recipient_organisation_id`` as a draft, or sent at
    once with ``"send": true``. Give the ``rule`` of the routing's proposal you follow (see the
    routing advice), the data categories ``shared`` once the recipient accepts, and either the
    person's ``consent`` or the legal ground for referring without it (reviewed by the
    coordination centre). 404 when the signal does not exist or you may not change it, 403 when
    you may see it but not refer it, 422 with ``errors`` per body field (e.g. ``consent.basis``,
    ``recipient_organisation_id``), and nothing is stored."""
    data = {
        "rule": payload.rule,
        "situation": payload.situation.model_dump() if payload.situation else {},
        "shared": payload.shared,
        "consent": payload.consent.model_dump(),
        "note": payload.note,
    }
    try:
        referral = services.referral_create(
            actor=request.user,
            signal_id=payload.signal_id,
            recipient_organisation_id=payload.recipient_organisation_id,
            data=data,
            send=payload.send,
        )
    except InvalidInput as exc:
        raise _body_fields(exc, CREATE_FIELDS) from None
    return Status(201, _detail(request, referral.pk))


@router.get(
    "/{int:referral_id}",
    response={200: ReferralOut, 404: Error},
    by_alias=True,
    summary="Read a referral",
)
def read_referral(request: HttpRequest, referral_id: int) -> dict[str, Any]:
    """One referral: its categories, its history, the actions you may take now and, if you see
    them, the data it shares (the sender and coordinators always; the recipient once it has
    accepted, and no longer once the referral is declined or revoked). 404 when it does not
    exist or you may not see it (a draft is the sender's alone); the read, and every showing of
    shared data, is audited."""
    return _detail(request, referral_id)


def _act(
    request: HttpRequest,
    referral_id: int,
    action: str,
    service: Callable[..., Referral],
    **values: Any,
) -> Status[dict[str, Any]]:
    """One lifecycle action through its service, then the referral as it is now."""
    # Open it first, outside the service's transaction: a refusal is audited and stays so.
    selectors.access_referral(actor=request.user, referral_id=referral_id, record_read=False)
    try:
        service(actor=request.user, referral_id=referral_id, **values)
    except IllegalTransition as exc:
        detail = f"A referral that is {exc.state} cannot be {PAST[action]}."
        return Status(409, {"detail": detail, "action": exc.action, "state": exc.state})
    except InvalidInput as exc:
        raise _body_fields(exc, {}) from None
    return Status(200, _detail(request, referral_id))


PAST = {
    "send": "sent",
    "accept": "accepted",
    "decline": "declined",
    "complete": "completed",
    "revoke": "revoked",
    "take": "taken over",
    "review": "reviewed",
}
ACT_RESPONSES: dict[int, Any] = {
    200: ReferralOut,
    403: Error,
    404: Error,
    409: Conflict,
    422: Invalid,
}


@router.post(
    "/{int:referral_id}/send",
    response=ACT_RESPONSES,
    by_alias=True,
    summary="Send a draft referral",
)
def send_referral(
    request: HttpRequest, referral_id: int, payload: VersionIn
) -> Status[dict[str, Any]]:
    """The sender sends its draft: the recipient is notified and has until ``accept_by`` to
    accept. 409 with the current ``state`` when it is no longer a draft."""
    return _act(
        request, referral_id, "send", services.referral_send, expected_version=payload.version
    )


@router.post(
    "/{int:referral_id}/accept",
    response=ACT_RESPONSES,
    by_alias=True,
    summary="Accept a referral received",
)
def accept_referral(
    request: HttpRequest, referral_id: int, payload: VersionIn
) -> Status[dict[str, Any]]:
    """The recipient accepts: it becomes responsible and now sees the data shared. 409 with the
    current ``state`` when the referral is no longer waiting for an answer."""
    return _act(
        request, referral_id, "accept", services.referral_accept, expected_version=payload.version
    )


@router.post(
    "/{int:referral_id}/decline",
    response=ACT_RESPONSES,
    by_alias=True,
    summary="Decline a referral received",
)
def decline_referral(
    request: HttpRequest, referral_id: int, payload: DeclineIn
) -> Status[dict[str, Any]]:
    """The recipient declines with a ``reason`` (and an optional ``note`` for the sender): the
    referral returns to the sender with the next suggested recipient."""
    return _act(
        request,
        referral_id,
        "decline",
        services.referral_decline,
        expected_version=payload.version,
        reason=payload.reason,
        note=payload.note,
    )


@router.post(
    "/{int:referral_id}/complete",
    response=ACT_RESPONSES,
    by_alias=True,
    summary="Complete an accepted referral",
)
def complete_referral(
    request: HttpRequest, referral_id: int, payload: VersionIn
) -> Status[dict[str, Any]]:
    """The recipient has done what it was asked (the referral must be accepted)."""
    return _act(
        request,
        referral_id,
        "complete",
        services.referral_complete,
        expected_version=payload.version,
    )


@router.post(
    "/{int:referral_id}/revoke", response=ACT_RESPONSES, by_alias=True, summary="Revoke a referral"
)
def revoke_referral(
    request: HttpRequest, referral_id: int, payload: RevokeIn
) -> Status[dict[str, Any]]:
    """The sender (or a coordinator) withdraws a draft, sent or accepted referral with a
    ``reason``; the recipient no longer sees its data."""
    return _act(
        request,
        referral_id,
        "revoke",
        services.referral_revoke,
        expected_version=payload.version,
        reason=payload.reason,
    )


@router.post(
    "/{int:referral_id}/take",
    response=ACT_RESPONSES,
    by_alias=True,
    summary="Take over responsibility for a referral (coordinators)",
)
def take_referral(
    request: HttpRequest, referral_id: int, payload: VersionIn
) -> Status[dict[str, Any]]:
    """A coordinator of the referral's country makes the coordination centre, and the caller,
    responsible for a sent or accepted referral (e.g. one escalated)."""
    return _act(
        request, referral_id, "take", services.referral_take, expected_version=payload.version
    )


@router.post(
    "/{int:referral_id}/review",
    response=ACT_RESPONSES,
    by_alias=True,
    summary="Review the legal ground of a referral made without consent (coordinators)",
)
def review_referral(
    request: HttpRequest, referral_id: int, payload: ReviewIn
) -> Status[dict[str, Any]]:
    """A coordinator upholds or rejects the ground of a referral made without consent
    (``outcome``); a rejection is reported to the sender. 422 when none is waiting."""
    return _act(
        request,
        referral_id,
        "review",
        services.referral_review,
        expected_version=payload.version,
        outcome=payload.outcome,
    )
