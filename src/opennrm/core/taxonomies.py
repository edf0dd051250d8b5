"""Shared code lists, aligned with HTCDS v2.0, CTDC and Eurostat (``shared/domain/standards.md``).

Codes are stable identifiers stored in the database and in rule files; labels are translatable.
Each form of exploitation records the HTCDS ``cco_ExploitationType`` value, the CTDC column and the
Eurostat ``crim_thb`` group it maps to, so exports need no second table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class Barrier(models.TextChoices):
    """The barrier model's steps (source 000:L33; source 004:L119-L270 for minors)."""

    ENTRY = "entry", _("Entry / recruitment")
    ACCOMMODATION = "accommodation", _("Accommodation")
    IDENTITY = "identity", _("Identity")
    EMPLOYMENT = "employment", _("Employment / offences")
    FINANCE = "finance", _("Finance")


class Population(models.TextChoices):
    ADULT = "adult", _("Adult")
    MINOR = "minor", _("Minor (under 18)")
    UNKNOWN = "unknown", _("Unknown")


@dataclass(frozen=True)
class ExploitationForm:
    code: str
    label: Promise
    htcds: str  # HTCDS cco_ExploitationType
    ctdc: str  # CTDC k-anonymised dataset column
    eurostat: str  # crim_thb form of exploitation: sexual | labour | other


EXPLOITATION_FORMS: tuple[ExploitationForm, ...] = (
    ExploitationForm(
        "sexual", _("Sexual exploitation"), "SexualExploitation", "isSexualExploit", "sexual"
    ),
    ExploitationForm(
        "labour", _("Labour exploitation"), "ForcedLabour", "isForcedLabour", "labour"
    ),
    ExploitationForm(
        "criminal_activities",
        _("Forced criminal activities"),
        "Other",
        "typeOfLabourIllicitActivities",
        "other",
    ),
    ExploitationForm(
        "begging", _("Forced begging"), "ForcedBegging", "typeOfLabourBegging", "other"
    ),
    ExploitationForm(
        "domestic_servitude",
        _("Domestic servitude"),
        "Servitude",
        "typeOfLabourDomesticWork",
        "labour",
    ),
    ExploitationForm(
        "forced_marriage", _("Forced marriage"), "ForcedMarriage", "isForcedMarriage", "other"
    ),
    ExploitationForm(
        "organ_removal", _("Organ removal"), "OrganRemoval", "isOrganRemoval", "other"
    ),
    ExploitationForm("other", _("Other form"), "Other", "isOtherExploit", "other"),
)
EXPLOITATION_FORM_CODES: tuple[str, ...] = tuple(form.code for form in EXPLOITATION_FORMS)
EXPLOITATION_FORM_CHOICES: list[tuple[str, Promise]] = [
    (form.code, form.label) for form in EXPLOITATION_FORMS
]

# ISIC Rev.4 sections, the HTCDS labour-industry tier 1 (standards.md §B).
ISIC_SECTIONS: dict[str, Promise] = {
    "A": _("Agriculture, forestry and fishing"),
    "B": _("Mining and quarrying"),
    "C": _("Manufacturing"),
    "D": _("Electricity, gas, steam and air conditioning supply"),
    "E": _("Water supply; sewerage, waste management and remediation"),
    "F": _("Construction"),
    "G": _("Wholesale and retail trade; repair of motor vehicles"),
    "H": _("Transportation and storage"),
    "I": _("Accommodation and food service activities"),
    "J": _("Information and communication"),
    "K": _("Financial and insurance activities"),
    "L": _("Real estate activities"),
    "M": _("Professional, scientific and technical activities"),
    "N": _("Administrative and support service activities"),
    "O": _("Public administration and defence"),
    "P": _("Education"),
    "Q": _("Human health and social work activities"),
    "R": _("Arts, entertainment and recreation"),
    "S": _("Other service activities"),
    "T": _("Activities of households as employers"),
    "U": _("Activities of extraterritorial organisations"),
}
_CODE_AND_LABEL = "{} \u2013 {}"  # an en dash between the section letter and its title
ISIC_CHOICES: list[tuple[str, Any]] = [
    (code, format_lazy(_CODE_AND_LABEL, code, label)) for code, label in ISIC_SECTIONS.items()
]


def form_label(code: str) -> Promise | str:
    for form in EXPLOITATION_FORMS:
        if form.code == code:
            return form.label
    return code
