"""What of a signal a referral shares: minimum necessary data (issue #4, DESIGN rule 6).

A referral always shows its categories, which identify nobody and let a recipient decide whether
it is competent: population and estimated age, suspected forms of exploitation, sector, barrier,
region, whether the threat is acute and the latest screening result. The sender chooses which
further categories (``SHARE_CATEGORIES``) it shares; the consent (or the override) covers exactly
these. The recipient sees them only once it has accepted the referral, and no longer once the
referral is revoked or declined; the rest of the signal stays with the organisation that recorded
it. Every showing of shared data is audited as a read of the signal, naming the referral.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from opennrm.core import audit
from opennrm.core.models import AuditAction
from opennrm.core.taxonomies import ISIC_SECTIONS, form_label
from opennrm.intake.explain import explain
from opennrm.intake.models import Screening, Signal
from opennrm.intake.questionnaires import answer_rows
from opennrm.referrals.models import Referral, ReferralState

SHARE_CATEGORIES: list[tuple[str, Any]] = [
    ("description", _("What was observed (free text)")),
    ("person_description", _("Description of the person")),
    ("place", _("Place (municipality, address or description)")),
    ("first_contact", _("First-contact answers")),
    ("screenings", _("Screening results with the indicators observed")),
]
SHARE_CODES = tuple(code for code, _label in SHARE_CATEGORIES)
# States in which the recipient sees the shared categories.
RECIPIENT_SEES_SHARED = (ReferralState.ACCEPTED, ReferralState.COMPLETED)


@dataclass
class SharedScreening:
    performed_at: Any
    catalogue: str
    level: str
    observed: list[str] = field(default_factory=list)


@dataclass
class SharedData:
    """The part of a signal a referral page shows; ``None`` where a category is not shown."""

    population: str
    estimated_age: int | None
    forms: list[str]
    sector: str
    barrier: str
    region: str
    acute: bool
    latest_level: str
    shared: bool  # whether the shared categories below are shown
    description: str | None = None
    person_description: str | None = None
    place: str | None = None
    first_contact: list[tuple[str, str]] | None = None
    screenings: list[SharedScreening] | None = None


def _latest_level(signal: Signal) -> str:
    latest = signal.screenings.order_by("-performed_at", "-pk").first()
    return explain(latest).level_label if latest is not None else ""


def _screenings(signal: Signal) -> list[SharedScreening]:
    found = []
    for screening in Screening.objects.filter(signal=signal).select_related("catalogue"):
        explained = explain(screening)
        observed = [indicator.text for indicator in explained.indicators]
        found.append(
            SharedScreening(
                screening.performed_at, explained.catalogue_title, explained.level_label, observed
            )
        )
    return found


def shared_data(*, actor: Any, referral: Referral, show_shared: bool) -> SharedData:
    """The signal's data as this referral shows it; shared categories only if ``show_shared``
    (the caller decided, see ``selectors.sees_shared``), and then audited."""
    signal = referral.signal
    data = SharedData(
        population=signal.get_population_display(),
        estimated_age=signal.estimated_age,
        forms=[str(form_label(code)) for code in signal.forms],
        sector=str(ISIC_SECTIONS.get(signal.labour_sector, "")),
        barrier=signal.get_barrier_display(),
        region=signal.region,
        acute=signal.acute,
        latest_level=_latest_level(signal),
        shared=show_shared,
    )
    if not show_shared:
        return data
    chosen = set(referral.shared)
    if "description" in chosen:
        data.description = signal.description
    if "person_description" in chosen:
        data.person_description = signal.person_description
    if "place" in chosen:
        data.place = ", ".join(part for part in (signal.municipality, signal.place_detail) if part)
    if "first_contact" in chosen:
        data.first_contact = answer_rows(signal.first_contact)
    if "screenings" in chosen:
        data.screenings = _screenings(signal)
    if chosen:
        audit.record_object(
            action=AuditAction.READ,
            actor=actor,
            obj=signal,
            detail={"via_referral": referral.pk, "categories": sorted(chosen)},
        )
    return data
