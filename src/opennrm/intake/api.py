"""Signals API (``/api/v1/signals``) and catalogues API (``/api/v1/catalogues``).

The same services and selectors as the web pages: a signal is opened only through
``selectors.access_signal`` (a missing and a forbidden signal both give 404, and a refused
attempt is audited), and every write goes through ``services``. Errors map as everywhere in the
API: missing or forbidden 404, no right to record in an organisation 403, invalid input 422 (with
``errors`` per field from the services). Lists never hold protected fields (free text, the place,
the description of the person, first-contact answers); only the read of one signal does, and that
read is audited.

Catalogues are rule files, not personal data; they still need an authenticated caller.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from opennrm.core.errors import NotFoundOrForbidden
from opennrm.core.rulefiles import pick
from opennrm.intake import catalogues as catalogue_rules
from opennrm.intake import selectors, services
from opennrm.intake.catalogues import Catalogue
from opennrm.intake.explain import explain
from opennrm.intake.models import Screening, Signal
from opennrm.intake.validation import TEXT_LIMITS

router = Router(tags=["signals"])
catalogues_router = Router(tags=["catalogues"])

MAX_ID = 2**63 - 1


class Error(Schema):
    detail: str


class Invalid(Schema):
    """422: ``errors`` maps fields to messages (from the services); schema errors list details."""

    detail: Any
    errors: dict[str, list[str]] | None = None


# --- signals: input -------------------------------------------------------------------------------


class PersonRefIn(Schema):
    """Either ``id`` of a person you may see, or the names and date of birth of a new person."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, not silently lost

    id: int | None = Field(None, ge=1, le=MAX_ID)
    given_names: str = Field("", max_length=200)
    family_name: str = Field("", max_length=200)
    date_of_birth: datetime.date | None = None


class SignalIn(Schema):
    model_config = ConfigDict(extra="forbid")
    organisation_id: int = Field(..., ge=1, le=MAX_ID, description="Your organisation")
    observed_at: datetime.datetime | None = Field(None, description="When it was observed")
    region: str = Field("", max_length=10, description="Region code of the jurisdiction")
    municipality: str = Field("", max_length=TEXT_LIMITS["municipality"])
    place_detail: str = Field(
        "", max_length=TEXT_LIMITS["place_detail"], description="Address or description"
    )
    barrier: str = Field("", max_length=20, description="Barrier of the barrier model")
    population: str = Field("", max_length=10, description="adult, minor or unknown")
    estimated_age: int | None = Field(None, ge=0, le=120)
    forms: list[str] = Field(
        default_factory=list, max_length=20, description="Suspected forms of exploitation"
    )
    labour_sector: str = Field("", max_length=1, description="ISIC section (labour forms only)")
    person_description: str = Field("", max_length=TEXT_LIMITS["person_description"])
    description: str = Field(..., max_length=TEXT_LIMITS["description"])
    acute: bool = Field(False, description="Acute threat to life or liberty")
    person: PersonRefIn | None = None


class ScreeningIn(Schema):
    model_config = ConfigDict(extra="forbid")
    catalogue_id: str = Field(..., max_length=64)
    version: int | None = Field(None, ge=1, le=999999, description="Newest version if omitted")
    observed: list[str] = Field(
        default_factory=list, max_length=500, description="Codes of the indicators observed"
    )


# --- signals: output ------------------------------------------------------------------------------


class ScreeningSummaryOut(Schema):
    id: int
    catalogue: str
    version: int
    level: str
    score: int
    performed_at: datetime.datetime


class SignalSummaryOut(Schema):
    """A signal in a list: the categorical fields only, no protected text."""

    id: int
    reference: str
    source: str
    organisation_id: int
    organisation_name: str
    jurisdiction: str
    observed_at: datetime.datetime | None
    recorded_at: datetime.datetime
    region: str
    municipality: str
    barrier: str
    population: str
    estimated_age: int | None
    forms: list[str]
    labour_sector: str
    acute: bool
    triage_status: str
    has_new_information: bool
    version: int


class SignalOut(SignalSummaryOut):
    """One signal with its protected fields (the read is audited)."""

    place_detail: str
    person_description: str
    description: str
    person_id: int | None
    observed_indicators: list[str]
    dismiss_reason: str
    first_contact: dict[str, Any] | None
    screenings: list[ScreeningSummaryOut]


class ExplainedIndicatorOut(Schema):
    code: str
    text: str
    group: str
    points: int
    grade: str
    source: str
    weight_is_default: bool


class ExplainedElementOut(Schema):
    title: str
    present: bool
    counts: dict[str, int]
    parts: list[str]


class ExplanationOut(Schema):
    level: str
    level_label: str
    score: int
    rule: str
    summary: list[str]
    indicators: list[ExplainedIndicatorOut]
    elements: list[ExplainedElementOut]
    next_steps: list[str]


class ScreeningOut(Schema):
    id: int
    signal_id: int
    catalogue: str
    version: int
    digest: str
    population: str
    level: str
    score: int
    result: dict[str, Any]
    explanation: ExplanationOut
    performed_at: datetime.datetime


def _summary(signal: Signal) -> dict[str, Any]:
    return {
        "id": signal.pk,
        "reference": signal.reference,
        "source": signal.source,
        "organisation_id": signal.organisation_id,
        "organisation_name": signal.organisation.name,
        "jurisdiction": signal.jurisdiction,
        "observed_at": signal.observed_at,
        "recorded_at": signal.recorded_at,
        "region": signal.region,
        "municipality": signal.municipality,
        "barrier": signal.barrier,
        "population": signal.population,
        "estimated_age": signal.estimated_age,
        "forms": list(signal.forms or []),
        "labour_sector": signal.labour_sector,
        "acute": signal.acute,
        "triage_status": signal.triage_status,
        "has_new_information": signal.has_new_information,
        "version": signal.version,
    }


def _screening_summary(screening: Screening) -> dict[str, Any]:
    return {
        "id": screening.pk,
        "catalogue": screening.catalogue.catalogue_id,
        "version": screening.catalogue.version,
        "level": screening.level,
        "score": screening.score,
        "performed_at": screening.performed_at,
    }


def _detail(signal: Signal) -> dict[str, Any]:
    return {
        **_summary(signal),
        "place_detail": signal.place_detail,
        "person_description": signal.person_description,
        "description": signal.description,
        "person_id": signal.person_id,
        "observed_indicators": list(signal.observed_indicators or []),
        "dismiss_reason": signal.dismiss_reason,
        "first_contact": signal.first_contact,
        "screenings": [_screening_summary(item) for item in selectors.screenings_of(signal)],
    }


def _screening(screening: Screening) -> dict[str, Any]:
    return {
        "id": screening.pk,
        "signal_id": screening.signal_id,
        "catalogue": screening.catalogue.catalogue_id,
        "version": screening.catalogue.version,
        "digest": screening.catalogue.digest,
        "population": screening.population,
        "level": screening.level,
        "score": screening.score,
        "result": screening.result,
        "explanation": explain(screening).as_dict(),
        "performed_at": screening.performed_at,
    }


# --- signals: endpoints ---------------------------------------------------------------------------


@router.post(
    "/",
    response={201: SignalOut, 403: Error, 422: Invalid},
    summary="Record a signal",
)
def create_signal(request: HttpRequest, payload: SignalIn) -> Status[dict[str, Any]]:
    """Record a professional's signal for ``organisation_id`` (you need the right to record
    signals there: 403 otherwise). ``person`` optionally names the person: ``{"id": …}`` links a
    person you may see, names and a date of birth register a new one. The signal lands in the
    triage queue of the coordination centre of the organisation's country."""
    data = payload.model_dump(exclude={"organisation_id", "person"})
    person = payload.person.model_dump(exclude_none=True) if payload.person else None
    signal = services.signal_record(
        actor=request.user, organisation_id=payload.organisation_id, data=data, person=person
    )
    return Status(201, _detail(signal))


@router.get(
    "/",
    response=list[SignalSummaryOut],
    summary="List the signals of your organisations",
)
def list_signals(request: HttpRequest) -> list[dict[str, Any]]:
    """The newest signals (at most 100) recorded by the organisations where you may view
    signals, newest first. Lists hold no protected fields: read one signal for its text."""
    return [
        _summary(signal) for signal in selectors.signals_of_my_organisations(actor=request.user)
    ]


@router.get(
    "/{int:signal_id}",
    response={200: SignalOut, 404: Error},
    summary="Read a signal",
)
def read_signal(request: HttpRequest, signal_id: int) -> dict[str, Any]:
    """One signal with its protected fields, first-contact answers and screenings. 404 when
    the signal does not exist or you may not see it (the read is audited either way)."""
    signal = selectors.access_signal(actor=request.user, signal_id=signal_id, action="view")
    return _detail(signal)


@router.post(
    "/{int:signal_id}/screenings",
    response={201: ScreeningOut, 404: Error, 409: Error, 422: Invalid},
    summary="Screen a signal with an indicator catalogue",
)
def run_screening(
    request: HttpRequest, signal_id: int, payload: ScreeningIn
) -> Status[dict[str, Any]]:
    """Apply a catalogue (its newest version unless ``version``) to the indicators observed and
    store the result with the exact catalogue content used. 422 for an unknown catalogue or
    indicator code, or a catalogue for another population (e.g. adults on a minor's signal)."""
    screening = services.screening_run(
        actor=request.user,
        signal_id=signal_id,
        catalogue_id=payload.catalogue_id,
        version=payload.version,
        observed=payload.observed,
    )
    return Status(201, _screening(screening))


@router.get(
    "/{int:signal_id}/screenings/{int:screening_id}",
    response={200: ScreeningOut, 404: Error},
    summary="Read a screening of a signal",
)
def read_screening(request: HttpRequest, signal_id: int, screening_id: int) -> dict[str, Any]:
    """One screening with its result explained in plain language, from the catalogue content it
    used. 404 when the signal is not yours to see or the screening is not of this signal."""
    signal = selectors.access_signal(actor=request.user, signal_id=signal_id, action="view")
    screening = (
        Screening.objects.select_related("catalogue").filter(pk=screening_id, signal=signal).first()
    )
    if screening is None:
        raise NotFoundOrForbidden
    return _screening(screening)


# --- catalogues -----------------------------------------------------------------------------------


class CatalogueSummaryOut(Schema):
    id: str
    version: int
    jurisdiction: str
    population: str
    forms: list[str]
    title: str = Field(..., description="In the language of the request (else English)")
    languages: list[str]
    source_citation: str
    indicators: int = Field(..., description="Number of indicators")
    rule: str = Field(..., description="points or elements")


class GroupOut(Schema):
    code: str
    kind: str
    title: dict[str, str]
    parts: list[str]
    source: str


class IndicatorOut(Schema):
    code: str
    group: str
    text: dict[str, str]
    source: str
    points: int
    points_source: str
    grade: str
    grade_source: str


class ScoringOut(Schema):
    rule: str
    source: str
    weak_threshold: int
    strong_threshold: int
    element_present: list[dict[str, int]]
    strong_signs_when_parts: list[str]
    not_required_for_minors: list[str]
    weak_signs_min_indicators: int


class LevelOut(Schema):
    code: str
    label: dict[str, str]
    next_steps: dict[str, list[str]]
    source: str


class SourceOut(Schema):
    citation: str
    document: str
    note: str


class CatalogueOut(Schema):
    id: str
    version: int
    digest: str
    jurisdiction: str
    population: str
    forms: list[str]
    languages: list[str]
    title: dict[str, str]
    description: dict[str, str]
    source: SourceOut
    defaults_note: str
    versions: list[int]
    groups: list[GroupOut]
    indicators: list[IndicatorOut]
    scoring: ScoringOut
    levels: list[LevelOut]


def _catalogue_summary(catalogue: Catalogue) -> dict[str, Any]:
    return {
        "id": catalogue.id,
        "version": catalogue.version,
        "jurisdiction": catalogue.jurisdiction,
        "population": catalogue.population,
        "forms": list(catalogue.forms),
        "title": pick(catalogue.title),
        "languages": list(catalogue.languages),
        "source_citation": catalogue.source_citation,
        "indicators": len(catalogue.indicators),
        "rule": catalogue.scoring.rule,
    }


def _catalogue(catalogue: Catalogue) -> dict[str, Any]:
    snapshot = catalogue.as_snapshot()  # plain lists and dicts, as stored with a screening
    versions = catalogue_rules.catalogues().versions(catalogue.id)
    return {
        "id": catalogue.id,
        "version": catalogue.version,
        "digest": catalogue.digest,
        "jurisdiction": catalogue.jurisdiction,
        "population": catalogue.population,
        "forms": snapshot["forms"],
        "languages": snapshot["languages"],
        "title": snapshot["title"],
        "description": snapshot["description"],
        "source": {
            "citation": catalogue.source_citation,
            "document": catalogue.source_document,
            "note": catalogue.source_note,
        },
        "defaults_note": catalogue.defaults_note,
        "versions": [item.version for item in versions],
        "groups": snapshot["groups"],
        "indicators": snapshot["indicators"],
        "scoring": snapshot["scoring"],
        "levels": snapshot["levels"],
    }


@catalogues_router.get(
    "/", response=list[CatalogueSummaryOut], summary="List the indicator catalogues"
)
def list_catalogues(request: HttpRequest) -> list[dict[str, Any]]:
    """The newest version of every indicator catalogue, by id; titles in the language of the
    request (``Accept-Language``), else English."""
    return [_catalogue_summary(item) for item in catalogue_rules.catalogues().current()]


@catalogues_router.get(
    "/{catalogue_id}",
    response={200: CatalogueOut, 404: Error},
    summary="Read an indicator catalogue",
)
def read_catalogue(
    request: HttpRequest,
    catalogue_id: str,
    version: int | None = Query(None, ge=1, le=999999, description="Newest if omitted"),
) -> dict[str, Any]:
    """A catalogue in full: groups, indicators (texts in every language, with their sources),
    scoring rule and levels with next steps. 404 for an unknown catalogue or version."""
    catalogue = catalogue_rules.catalogues().get(catalogue_id, version)
    if catalogue is None:
        raise HttpError(404, "Not found")
    return _catalogue(catalogue)
