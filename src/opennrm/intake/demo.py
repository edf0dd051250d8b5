"""Demo signals: what a new instance shows in the triage queue and the signal list.

Loaded by ``opennrm demo load`` after the demo organisations and users, only where demo mode is
allowed. Idempotent: signals are added once (the demo front-line user's first signal marks it).
All text is invented for the demo and describes no real person.
"""

from __future__ import annotations

from django.db import transaction

from opennrm.directory.models import Organisation, User
from opennrm.intake import services
from opennrm.intake.models import Signal

MINORS = "nl-criminal-exploitation-minors"
SIGNALS = (
    {
        "description": (
            "Girl of about 15 caught shoplifting at Utrecht Centraal for the third time this "
            "month. An adult woman waited outside and collected the goods. (Demo data.)"
        ),
        "population": "minor",
        "estimated_age": 15,
        "forms": ["criminal_activities"],
        "barrier": "employment",
        "region": "NL-UT",
        "municipality": "Utrecht",
        "acute": False,
    },
    {
        "description": (
            "Six workers sleep in the packing hall of a greenhouse; the foreman keeps their "
            "passports 'for the administration'. (Demo data.)"
        ),
        "population": "adult",
        "forms": ["labour"],
        "labour_sector": "A",
        "barrier": "accommodation",
        "region": "NL-ZH",
        "municipality": "Westland",
        "acute": True,
    },
)
SCREENED = ["employment-03", "employment-07", "finance-02"]


def load() -> int:
    """Record the demo signals once; returns how many were added."""
    fenna = User.objects.filter(username="demo-frontline", is_demo=True).first()
    police = Organisation.objects.filter(slug="nl-police-avim").first()
    if fenna is None or police is None:
        return 0
    if Signal.objects.filter(observer=fenna).exists():
        return 0
    with transaction.atomic():
        signals = [
            services.signal_record(actor=fenna, organisation_id=police.pk, data=data)
            for data in SIGNALS
        ]
        services.screening_run(
            actor=fenna, signal_id=signals[0].pk, catalogue_id=MINORS, observed=SCREENED
        )
    return len(signals)
