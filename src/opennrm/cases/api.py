"""Persons API (``/api/v1/persons``): the same services and selectors as the web pages.

Search is a POST so that names never appear in a URL (and so in no access log). Errors map as
everywhere in the API: missing or forbidden 404, concurrent edit 409, invalid input 422.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from opennrm.cases import selectors, services
from opennrm.cases.models import Person
from opennrm.core.errors import PermissionDeniedError

router = Router(tags=["persons"])


class Error(Schema):
    detail: str


class Invalid(Schema):
    """422: ``errors`` maps fields to messages (from the services); schema errors list details."""

    detail: Any
    errors: dict[str, list[str]] | None = None


class DocumentIn(Schema):
    type: str = Field(..., max_length=40, description="passport, id_card, residence_permit, …")
    number: str = Field(..., max_length=64)
    country: str = Field(..., max_length=2, description="ISO 3166-1 alpha-2 of the issuer")


class DocumentOut(Schema):
    type: str
    number: str
    country: str


class SearchIn(Schema):
    name: str = Field("", max_length=200)
    date_of_birth: datetime.date | None = None


class PersonSummaryOut(Schema):
    id: int
    given_names: str
    family_name: str
    aliases: list[str]
    date_of_birth: datetime.date | None
    organisation_id: int
    organisation_name: str


class PersonCreateIn(Schema):
    organisation_id: int = Field(..., ge=1, le=2**63 - 1)
    given_names: str = Field("", max_length=200)
    family_name: str = Field("", max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    date_of_birth: datetime.date | None = None
    identity_documents: list[DocumentIn] = Field(default_factory=list, max_length=10)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=500)
    notes: str = Field("", max_length=5000)


class PersonPatchIn(Schema):
    version: int = Field(..., ge=1, description="The version you read; 409 if it changed since")
    given_names: str | None = Field(None, max_length=200)
    family_name: str | None = Field(None, max_length=200)
    aliases: list[str] | None = Field(None, max_length=20)
    date_of_birth: datetime.date | None = None
    identity_documents: list[DocumentIn] | None = Field(None, max_length=10)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=500)
    notes: str | None = Field(None, max_length=5000)


class PersonOut(Schema):
    id: int
    organisation_id: int
    version: int
    given_names: str
    family_name: str
    aliases: list[str]
    date_of_birth: datetime.date | None
    identity_documents: list[DocumentOut]
    phone: str
    email: str
    address: str
    notes: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


def _summary(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "given_names": person.given_names,
        "family_name": person.family_name,
        "aliases": person.aliases or [],
        "date_of_birth": person.date_of_birth,
        "organisation_id": person.organisation_id,
        "organisation_name": person.organisation.name,
    }


@router.post(
    "/search", response={200: list[PersonSummaryOut], 422: Invalid}, summary="Find persons"
)
def search_persons(request: HttpRequest, payload: SearchIn) -> list[dict[str, Any]]:
    """Persons of your organisations whose names hold every word of ``name`` (accents and case
    do not matter) and/or born on ``date_of_birth``; at most 50."""
    results = selectors.person_search(
        actor=request.user, name=payload.name, date_of_birth=payload.date_of_birth
    )
    return [_summary(person) for person in results]


@router.post("/", response={201: PersonOut, 403: Error, 422: Invalid}, summary="Register a person")
def create_person(request: HttpRequest, payload: PersonCreateIn) -> Status[Person]:
    data = payload.model_dump(exclude={"organisation_id"})
    try:
        person = services.person_create(
            actor=request.user, organisation_id=payload.organisation_id, data=data
        )
    except PermissionDeniedError:
        raise HttpError(403, "You may not register persons in this organisation") from None
    return Status(201, person)


@router.get("/{int:person_id}", response={200: PersonOut, 404: Error}, summary="Read a person")
def read_person(request: HttpRequest, person_id: int) -> Person:
    return selectors.access_person(actor=request.user, person_id=person_id, action="view")


@router.patch(
    "/{int:person_id}",
    response={200: PersonOut, 404: Error, 409: Error, 422: Invalid},
    summary="Change a person",
)
def update_person(request: HttpRequest, person_id: int, payload: PersonPatchIn) -> Person:
    """Send only the fields to change, with the ``version`` you read."""
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    return services.person_update(
        actor=request.user, person_id=person_id, expected_version=payload.version, data=data
    )


@router.delete(
    "/{int:person_id}", response={204: None, 404: Error, 409: Error}, summary="Delete a person"
)
def delete_person(
    request: HttpRequest, person_id: int, version: int = Query(..., ge=1)
) -> Status[None]:
    """Give the ``version`` you read: a person changed since then is not deleted (409)."""
    services.person_delete(actor=request.user, person_id=person_id, expected_version=version)
    return Status(204, None)
