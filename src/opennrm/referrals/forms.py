"""The questions of the "whom do I contact?" page: categories only, never personal data."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.utils.translation import gettext_lazy as _

from opennrm.core import jurisdictions
from opennrm.core.forms import set_choices
from opennrm.core.taxonomies import EXPLOITATION_FORM_CHOICES, Population
from opennrm.directory.models import OrganisationKind
from opennrm.referrals import routing

YES_NO_UNKNOWN = [("", _("Not known")), ("yes", _("Yes")), ("no", _("No"))]
NATIONALITY = [
    ("unknown", _("Not known")),
    ("national", _("A national of this country")),
    ("eu", _("A national of another EU country")),
    ("non_eu", _("A national of a country outside the EU")),
]
LEVELS = [
    ("", _("Not screened")),
    ("no_signs", _("No signs")),
    ("weak_signs", _("Weak signs")),
    ("strong_signs", _("Strong signs")),
]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class WhomForm(django_forms.Form):
    country = django_forms.ChoiceField(label=_("Country"))
    referrer_kind = django_forms.ChoiceField(
        label=_("Where do you work?"),
        choices=[("", _("Not known")), *OrganisationKind.choices],
        required=False,
    )
    acute = django_forms.ChoiceField(
        label=_("Is someone's life or liberty in acute danger?"),
        choices=YES_NO_UNKNOWN,
        required=False,
    )
    population = django_forms.ChoiceField(
        label=_("Is the person an adult or a minor?"), choices=Population.choices, required=False
    )
    unaccompanied = django_forms.ChoiceField(
        label=_("A minor without parent or legal guardian here?"),
        choices=YES_NO_UNKNOWN,
        required=False,
    )
    nationality = django_forms.ChoiceField(
        label=_("Nationality"), choices=NATIONALITY, required=False
    )
    forms = django_forms.MultipleChoiceField(
        label=_("Suspected forms of exploitation"),
        choices=EXPLOITATION_FORM_CHOICES,
        required=False,
        widget=django_forms.CheckboxSelectMultiple,
    )
    region = django_forms.ChoiceField(label=_("Region"), required=False)
    needs_shelter = django_forms.ChoiceField(
        label=_("Does the person need shelter?"), choices=YES_NO_UNKNOWN, required=False
    )
    screening_level = django_forms.ChoiceField(
        label=_("Screening result"), choices=LEVELS, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = sorted(routing.routings())
        set_choices(
            self,
            "country",
            [(code, jurisdictions.get(code).name) for code in countries],  # type: ignore[union-attr]
        )
        regions: list[tuple[str, Any]] = [("", _("Not known"))]
        for code in countries:
            rules = jurisdictions.get(code)
            if rules is not None:
                regions += [(region.code, f"{region.name} ({code})") for region in rules.regions]
        set_choices(self, "region", regions)

    def situation(self) -> routing.Situation:
        data = self.cleaned_data
        return routing.Situation(
            country=data["country"],
            acute=_yes_no(data.get("acute", "")),
            population=data.get("population") or "unknown",
            unaccompanied=_yes_no(data.get("unaccompanied", "")),
            nationality=data.get("nationality") or "unknown",
            forms=tuple(data.get("forms") or ()),
            region=data.get("region", ""),
            needs_shelter=_yes_no(data.get("needs_shelter", "")),
            screening_level=data.get("screening_level", ""),
            referrer_kind=data.get("referrer_kind", ""),
        )
