"""Forms of the referral pages: "whom do I contact?" (categories only, never personal data),
referring a signal, and the answers to a referral."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from opennrm.core import jurisdictions
from opennrm.core.forms import set_choices
from opennrm.core.taxonomies import EXPLOITATION_FORM_CHOICES, Population
from opennrm.directory.models import OrganisationKind
from opennrm.referrals import routing
from opennrm.referrals.models import ConsentBasis, DeclineReason, OverrideGround, RevokeReason
from opennrm.referrals.sharing import SHARE_CATEGORIES
from opennrm.referrals.validation import CONSENT_LANGUAGES

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


# --- referring a signal ---------------------------------------------------------------------------


class DateTimeLocalInput(django_forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _language_choices() -> list[tuple[str, str]]:
    return [("", str(_("Choose a language")))] + [
        (code, f"{LANG_INFO[code].get('name_local', code)} ({LANG_INFO[code]['name']})")
        for code in CONSENT_LANGUAGES
    ]


class SituationForm(django_forms.Form):
    """What the routing needs beyond the signal's own categories (asked again on each referral)."""

    nationality = django_forms.ChoiceField(
        label=_("Nationality"), choices=NATIONALITY, required=False
    )
    unaccompanied = django_forms.ChoiceField(
        label=_("A minor without parent or legal guardian here?"),
        choices=YES_NO_UNKNOWN,
        required=False,
    )
    needs_shelter = django_forms.ChoiceField(
        label=_("Does the person need shelter?"), choices=YES_NO_UNKNOWN, required=False
    )

    def situation(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "nationality": data.get("nationality") or "unknown",
            "unaccompanied": _yes_no(data.get("unaccompanied", "")),
            "needs_shelter": _yes_no(data.get("needs_shelter", "")),
        }


class ReferForm(SituationForm):
    recipients = django_forms.MultipleChoiceField(
        label=_("Refer to"),
        required=False,
        widget=django_forms.CheckboxSelectMultiple,
        help_text=_("Proposed by the referral rules; each organisation gets its own referral."),
    )
    other = django_forms.ChoiceField(label=_("Or another organisation"), required=False)
    shared = django_forms.MultipleChoiceField(
        label=_("Data shared once the recipient accepts"),
        required=False,
        widget=django_forms.CheckboxSelectMultiple,
        help_text=_(
            "The recipient always sees the categories (population, forms of exploitation, region, "
            "urgency, screening result). Share only what it needs to act."
        ),
    )
    basis = django_forms.ChoiceField(label=_("Basis for sharing"), required=False)
    given_at = django_forms.DateTimeField(
        label=_("Consent given on"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    language = django_forms.ChoiceField(
        label=_("Language consent was explained in"), required=False
    )
    explained_by = django_forms.ChoiceField(label=_("Explained by"), required=False)
    ground = django_forms.ChoiceField(label=_("Legal ground (without consent)"), required=False)
    explanation = django_forms.CharField(
        label=_("Why consent could not be asked"),
        required=False,
        widget=django_forms.Textarea,
        help_text=_("A coordinator reviews every referral made without consent."),
    )
    note = django_forms.CharField(
        label=_("Message to the recipient"),
        required=False,
        widget=django_forms.Textarea,
        help_text=_("Shown to the recipient once it accepts. Write only what it needs."),
    )

    def __init__(
        self,
        *args: Any,
        proposals: list[tuple[str, str]],
        others: list[tuple[int, str]],
        colleagues: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "recipients", list(proposals))
        set_choices(self, "other", [("", _("None")), *[(str(pk), name) for pk, name in others]])
        set_choices(self, "shared", list(SHARE_CATEGORIES))
        set_choices(self, "basis", [("", _("Choose")), *ConsentBasis.choices])
        set_choices(self, "language", _language_choices())
        set_choices(self, "explained_by", [(str(pk), name) for pk, name in colleagues])
        set_choices(self, "ground", [("", _("Choose a ground")), *OverrideGround.choices])

    def consent(self) -> dict[str, Any]:
        data = self.cleaned_data
        given_at = data.get("given_at")
        return {
            "basis": data.get("basis", ""),
            "given_at": given_at,
            "language": data.get("language", ""),
            "explained_by": data.get("explained_by", ""),
            "ground": data.get("ground", ""),
            "explanation": data.get("explanation", ""),
        }

    def choices_made(self) -> list[tuple[str, str]]:
        """(rule id or "", organisation id) of each recipient chosen."""
        chosen = [tuple(value.split(":", 1)) for value in self.cleaned_data.get("recipients", [])]
        other = self.cleaned_data.get("other")
        if other and all(org != other for _rule, org in chosen):
            chosen.append(("", other))
        return [(rule, org) for rule, org in chosen]


class VersionForm(django_forms.Form):
    version = django_forms.IntegerField(widget=django_forms.HiddenInput)


class DeclineForm(VersionForm):
    reason = django_forms.ChoiceField(
        label=_("Why do you decline?"), choices=[("", _("Choose a reason")), *DeclineReason.choices]
    )
    note = django_forms.CharField(
        label=_("Explanation for the sender (optional)"),
        required=False,
        widget=django_forms.Textarea,
    )


class RevokeForm(VersionForm):
    reason = django_forms.ChoiceField(
        label=_("Why do you revoke it?"),
        choices=[("", _("Choose a reason")), *RevokeReason.choices],
    )


class ReviewForm(VersionForm):
    outcome = django_forms.ChoiceField(
        label=_("Is the legal ground for referring without consent sound?"),
        choices=[
            ("", _("Choose")),
            ("upheld", _("Yes: uphold the ground")),
            ("rejected", _("No: reject the ground")),
        ],
    )
