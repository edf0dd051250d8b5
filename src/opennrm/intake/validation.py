"""Validation of signal and public-report input at the edge (DESIGN rule 7).

Web forms and the API pass raw values; these functions return typed values or raise
``InvalidInput`` with a message per field, before anything is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from opennrm.core import clock
from opennrm.core import jurisdictions as jurisdiction_rules
from opennrm.core.taxonomies import EXPLOITATION_FORM_CODES, ISIC_SECTIONS, Barrier, Population
from opennrm.core.validation import FieldErrors, clean_choice, clean_text
from opennrm.intake.models import DismissReason, SignalLinkKind

TEXT_LIMITS = {
    "municipality": 100,
    "place_detail": 500,
    "person_description": 1000,
    "description": 5000,
}
SIGNAL_FIELDS = (
    "observed_at", "region", "municipality", "place_detail", "barrier", "population",
    "estimated_age", "forms", "labour_sector", "person_description", "description", "acute",
)  # fmt: skip
SECTOR_FORMS = {"labour", "domestic_servitude"}
EARLIEST = datetime.datetime(1990, 1, 1, tzinfo=datetime.UTC)
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)
MAX_AGE = 120
# A child is a person under 18: Directive 2011/36/EU art. 2(6), the same in every jurisdiction.
ADULT_AGE = 18


def _datetime(value: Any, field: str, errors: FieldErrors) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    parsed: datetime.datetime | None = None
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        errors.add(field, _("Enter a real date and time."))
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    if parsed > clock.now() + FUTURE_TOLERANCE:
        errors.add(field, _("The date and time must not be in the future."))
    elif parsed < EARLIEST:
        errors.add(field, _("Enter a date after 1990."))
    return parsed


def _age(value: Any, errors: FieldErrors) -> int | None:
    if value in (None, ""):
        return None
    try:
        age = int(str(value).strip())
    except ValueError:
        age = -1
    if isinstance(value, bool) or not 0 <= age <= MAX_AGE:
        errors.add("estimated_age", _("Enter an age in whole years from 0 to 120."))
        return None
    return age


def _forms(value: Any, errors: FieldErrors) -> list[str]:
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        errors.add("forms", _("Choose forms of exploitation from the list."))
        return []
    unknown = [item for item in value if item not in EXPLOITATION_FORM_CODES]
    if unknown:
        errors.add("forms", _("Choose forms of exploitation from the list."))
        return []
    return [code for code in EXPLOITATION_FORM_CODES if code in value]  # canonical order


def _bool(value: Any, field: str, errors: FieldErrors) -> bool:
    if value in (None, "", False, "false", "off", "0"):
        return False
    if value in (True, "true", "on", "1"):
        return True
    errors.add(field, _("Choose yes or no."))
    return False


def clean_signal_data(data: Mapping[str, Any], *, jurisdiction: str) -> dict[str, Any]:
    """Typed values of a signal recorded in ``jurisdiction``; unknown keys are refused."""
    errors = FieldErrors()
    unknown = sorted(set(data) - set(SIGNAL_FIELDS))
    for name in unknown:
        errors.add(name, _("This field is not part of a signal."))
    values: dict[str, Any] = {
        name: clean_text(data.get(name), name, limit, errors, multiline=name != "municipality")
        for name, limit in TEXT_LIMITS.items()
    }
    values["observed_at"] = _datetime(data.get("observed_at"), "observed_at", errors)
    rules = jurisdiction_rules.get(jurisdiction)
    regions = [region.code for region in rules.regions] if rules is not None else []
    values["region"] = clean_choice(
        data.get("region"), "region", regions, errors, _("Choose a region from the list.")
    )
    values["barrier"] = clean_choice(
        data.get("barrier"),
        "barrier",
        list(Barrier.values),
        errors,
        _("Choose a barrier from the list."),
    )
    population = clean_choice(
        data.get("population"),
        "population",
        list(Population.values),
        errors,
        _("Choose adult, minor or unknown."),
    )
    age = _age(data.get("estimated_age"), errors)
    if age is not None and population in ("", Population.UNKNOWN):
        population = Population.MINOR if age < ADULT_AGE else Population.ADULT
    elif age is not None and (population == Population.MINOR) != (age < ADULT_AGE):
        errors.add("population", _("The population does not match the estimated age."))
    values["population"] = population or Population.UNKNOWN
    values["estimated_age"] = age
    values["forms"] = _forms(data.get("forms"), errors)
    values["labour_sector"] = clean_choice(
        data.get("labour_sector"),
        "labour_sector",
        list(ISIC_SECTIONS),
        errors,
        _("Choose a sector from the list."),
    )
    if values["labour_sector"] and not SECTOR_FORMS & set(values["forms"]):
        errors.add(
            "labour_sector",
            _("A sector applies only to labour exploitation or domestic servitude."),
        )
    values["acute"] = _bool(data.get("acute"), "acute", errors)
    if not values["description"]:
        errors.add("description", _("Describe what was observed."))
    errors.raise_if_any()
    return values


def clean_dismiss_reason(value: Any) -> str:
    errors = FieldErrors()
    reason = clean_choice(
        value, "reason", list(DismissReason.values), errors, _("Choose a reason."), required=True
    )
    errors.raise_if_any()
    return reason


def clean_link_kind(value: Any) -> str:
    errors = FieldErrors()
    kind = clean_choice(
        value, "kind", list(SignalLinkKind.values), errors, _("Choose what the signals share.")
    )
    if not kind and not errors.errors:
        errors.add("kind", _("Choose what the signals share."))
    errors.raise_if_any()
    return kind


PUBLIC_TEXT_LIMITS = {"what": 5000, "where": 300, "when": 200, "who": 1000}


def clean_public_report(data: Mapping[str, Any]) -> dict[str, Any]:
    """The public form's fields: what (required), where, when, who is at risk, country, minor."""
    errors = FieldErrors()
    values = {
        name: clean_text(data.get(name), name, limit, errors, multiline=True)
        for name, limit in PUBLIC_TEXT_LIMITS.items()
    }
    if not values["what"]:
        errors.add("what", _("Tell us what you saw or heard."))
    countries = [
        code for code, rules in jurisdiction_rules.jurisdictions().items() if rules.public_reports
    ]
    values["country"] = clean_choice(
        data.get("country"), "country", countries, errors, _("Choose a country from the list.")
    )
    if not values["country"] and "country" not in errors.errors:
        errors.add("country", _("Choose the country where it happens."))
    values["minor"] = (
        clean_choice(
            data.get("minor"),
            "minor",
            ["yes", "no", "unknown"],
            errors,
            _("Choose yes, no or I don't know."),
        )
        or "unknown"
    )
    errors.raise_if_any()
    return values
