"""Validation of referral input at the edge (DESIGN rule 7): the web form and the API both pass
through here into typed values; an error names the field and never repeats the value given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf.locale import LANG_INFO
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from opennrm.core import clock
from opennrm.core.validation import FieldErrors, clean_choice, clean_text
from opennrm.referrals import routing
from opennrm.referrals.models import ConsentBasis, DeclineReason, OverrideGround, RevokeReason
from opennrm.referrals.sharing import SHARE_CODES

NOTE_LIMIT = 2000
EXPLANATION_MIN = 10
CLOCK_SKEW = timedelta(minutes=5)
CONSENT_LANGUAGES = sorted(code for code, info in LANG_INFO.items() if "name" in info)


@dataclass(frozen=True)
class Consent:
    basis: str
    given_at: datetime | None = None
    language: str = ""
    explained_by_id: int | None = None
    ground: str = ""
    explanation: str = ""


def _flag(value: Any, field: str, errors: FieldErrors) -> bool | None:
    if value in (None, "", "unknown"):
        return None
    if isinstance(value, bool):
        return value
    if value in ("yes", "true"):
        return True
    if value in ("no", "false"):
        return False
    errors.add(field, _("Answer yes, no or not known."))
    return None


def clean_situation(data: dict[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """The extra routing categories asked when referring (never personal data)."""
    situation = {
        "nationality": clean_choice(
            data.get("nationality"),
            "nationality",
            routing.NATIONALITIES,
            errors,
            _("Choose a nationality group."),
        )
        or "unknown",
        "unaccompanied": _flag(data.get("unaccompanied"), "unaccompanied", errors),
        "needs_shelter": _flag(data.get("needs_shelter"), "needs_shelter", errors),
    }
    return situation


def clean_shared(value: Any, errors: FieldErrors) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or any(item not in SHARE_CODES for item in value):
        errors.add("shared", _("Choose among the listed kinds of data."))
        return []
    return sorted(set(value))


def _moment(value: Any, field: str, errors: FieldErrors) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            errors.add(field, _("Enter a date and time, e.g. 2026-03-01 14:30."))
            return None
        moment = parsed
    else:
        errors.add(field, _("Enter when the person gave consent."))
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > clock.now() + CLOCK_SKEW:
        errors.add(field, _("The moment of consent cannot be in the future."))
        return None
    return moment


def clean_consent(data: dict[str, Any], errors: FieldErrors) -> Consent | None:
    """Consent (when, in which language, explained by whom) or an override with its ground and
    an explanation; one of the two is required."""
    basis = clean_choice(
        data.get("basis"),
        "basis",
        ConsentBasis.values,
        errors,
        _("Choose consent or a legal ground."),
    )
    if not basis:
        if "basis" not in errors.errors:
            errors.add(
                "basis",
                _("Record the person's consent, or the legal ground for referring without it."),
            )
        return None
    if basis == ConsentBasis.CONSENT:
        given_at = _moment(data.get("given_at"), "given_at", errors)
        language = clean_choice(
            data.get("language"),
            "language",
            CONSENT_LANGUAGES,
            errors,
            _("Choose the language the consent was explained in."),
            required=True,
        )
        explained_by = data.get("explained_by")
        explained_by_id = None
        if explained_by not in (None, ""):
            try:
                explained_by_id = int(str(explained_by))
            except ValueError:
                errors.add("explained_by", _("Choose a colleague of your organisation."))
        return Consent(basis, given_at, language, explained_by_id)
    ground = clean_choice(
        data.get("ground"),
        "ground",
        OverrideGround.values,
        errors,
        _("Choose the legal ground."),
        required=True,
    )
    explanation = clean_text(
        data.get("explanation"), "explanation", NOTE_LIMIT, errors, multiline=True
    )
    if len(explanation) < EXPLANATION_MIN and "explanation" not in errors.errors:
        errors.add("explanation", _("Explain why the person's consent could not be asked."))
    return Consent(basis, ground=ground, explanation=explanation)


def clean_decline(reason: Any, note: Any) -> tuple[str, str]:
    errors = FieldErrors()
    code = clean_choice(
        reason, "reason", DeclineReason.values, errors, _("Choose a reason."), required=True
    )
    text = clean_text(note, "note", NOTE_LIMIT, errors, multiline=True)
    errors.raise_if_any()
    return code, text


def clean_revoke(reason: Any) -> str:
    errors = FieldErrors()
    code = clean_choice(
        reason, "reason", RevokeReason.values, errors, _("Choose a reason."), required=True
    )
    errors.raise_if_any()
    return code


def clean_review(outcome: Any) -> str:
    errors = FieldErrors()
    code = clean_choice(
        outcome, "outcome", ("upheld", "rejected"), errors, _("Choose an outcome."), required=True
    )
    errors.raise_if_any()
    return code
