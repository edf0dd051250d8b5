"""Builders for the intake tests."""

from __future__ import annotations

from typing import Any

from opennrm.intake import services
from opennrm.intake.models import Signal

DESCRIPTION = "Girl of about 15 seen stealing at the station with two adults directing her"


def signal_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "description": DESCRIPTION,
        "population": "minor",
        "estimated_age": 15,
        "forms": ["criminal_activities"],
        "barrier": "employment",
        "region": "NL-UT",
        "municipality": "Utrecht",
        "acute": False,
    }
    data.update(overrides)
    return data


def make_signal(actor: Any, organisation: Any, **overrides: Any) -> Signal:
    return services.signal_record(
        actor=actor, organisation_id=organisation.pk, data=signal_data(**overrides)
    )
