"""Builders for the referral tests: a signal about a minor in Utrecht, consent, a referral."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from opennrm.core import clock
from opennrm.directory.models import Organisation, User
from opennrm.intake import services as intake_services
from opennrm.intake.models import Signal
from opennrm.referrals import services
from opennrm.referrals.models import Referral

# Personal data: free text that must never leave the signal except as a shared category.
DESCRIPTION = "Zoë (14) is collected after school every day by a man in a grey van"
PERSON_DESCRIPTION = "Girl with a red scarf and a scar on her left hand"
PLACE_DETAIL = "Bus stop behind the Oudegracht school"
NOTE = "Please ring Zoë's aunt Marieke on 06-12345678 before visiting"

CARE_RULE = "social-domain-care-coordinator"
VT_RULE = "social-domain-minor-veilig-thuis"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def record_signal(actor: User, organisation: Organisation, **overrides: Any) -> Signal:
    """A signal about a minor in Utrecht, recorded through the intake's service."""
    data: dict[str, Any] = {
        "description": DESCRIPTION,
        "person_description": PERSON_DESCRIPTION,
        "population": "minor",
        "estimated_age": 14,
        "forms": ["sexual"],
        "barrier": "entry",
        "region": "NL-UT",
        "municipality": "Utrecht",
        "place_detail": PLACE_DETAIL,
        "acute": False,
    }
    data.update(overrides)
    return intake_services.signal_record(actor=actor, organisation_id=organisation.pk, data=data)


def consent(**overrides: Any) -> dict[str, Any]:
    """Informed consent, given an hour ago (by the clock of the moment) in Dutch."""
    data: dict[str, Any] = {
        "basis": "consent",
        "given_at": clock.now() - timedelta(hours=1),
        "language": "nl",
    }
    data.update(overrides)
    return data


def override(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "basis": "override",
        "ground": "minor_at_risk",
        "explanation": "The girl is 14; her parents may be involved, so they cannot be asked.",
    }
    data.update(overrides)
    return data


def refer(
    actor: User,
    signal: Signal,
    recipient: Organisation,
    *,
    send: bool = False,
    rule: str = "",
    shared: list[str] | None = None,
    basis: dict[str, Any] | None = None,
    note: str = NOTE,
    situation: dict[str, Any] | None = None,
) -> Referral:
    return services.referral_create(
        actor=actor,
        signal_id=signal.pk,
        recipient_organisation_id=recipient.pk,
        data={
            "rule": rule,
            "situation": situation or {},
            "shared": ["description", "place"] if shared is None else shared,
            "consent": consent() if basis is None else basis,
            "note": note,
        },
        send=send,
    )


def fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def at(text: str) -> datetime:
    """An Amsterdam wall-clock moment, e.g. ``at("2026-12-24 15:00")``."""
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)
