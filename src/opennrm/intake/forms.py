"""Forms of the intake pages. They collect raw input; ``intake.validation`` (called by the
services) holds the rules, so the web pages and the API answer alike."""

from __future__ import annotations

from typing import Any

from django import forms
from django import forms as django_forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opennrm.core import jurisdictions
from opennrm.core.forms import add_service_errors as add_service_errors
from opennrm.core.forms import set_choices
from opennrm.core.rulefiles import pick
from opennrm.core.taxonomies import EXPLOITATION_FORM_CHOICES, ISIC_CHOICES, Barrier, Population
from opennrm.directory.models import Organisation
from opennrm.intake.catalogues import Catalogue
from opennrm.intake.models import DismissReason, Signal, SignalLinkKind
from opennrm.intake.validation import PUBLIC_TEXT_LIMITS, TEXT_LIMITS


def _text(
    label: Any, *, required: bool = False, help_text: Any = "", max_length: int = 100
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=max_length,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def _area(
    label: Any, *, help_text: Any = "", max_length: int = 5000, required: bool = False
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=max_length,
        widget=forms.Textarea,
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class SignalForm(forms.Form):
    """A professional's signal; on a new signal, optionally the person."""

    organisation = forms.TypedChoiceField(label=_("Recorded for"), coerce=int)
    observed_at = forms.CharField(
        label=_("When was it observed?"), required=False, widget=DateTimeInput()
    )
    acute = forms.BooleanField(
        label=_("Acute threat to someone's life or liberty"),
        required=False,
        help_text=_("In an acute situation, call the police first (112)."),
    )
    description = _area(
        _("What did you observe?"),
        help_text=_("Facts: what you saw or heard, who was there. This text is encrypted."),
        max_length=TEXT_LIMITS["description"],
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    municipality = _text(_("Municipality"), max_length=TEXT_LIMITS["municipality"])
    place_detail = _text(
        _("Place"),
        help_text=_("Address or description of the place. Encrypted."),
        max_length=TEXT_LIMITS["place_detail"],
    )
    barrier = forms.ChoiceField(
        label=_("Barrier"),
        required=False,
        choices=[("", _("Not known")), *Barrier.choices],
        help_text=_("The step of the trafficker's business where you saw this."),
    )
    population = forms.ChoiceField(
        label=_("Is the person an adult or a minor?"), choices=Population.choices
    )
    estimated_age = forms.IntegerField(
        label=_("Age or estimated age"), required=False, min_value=0, max_value=120,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip
    forms = forms.MultipleChoiceField(
        label=_("Suspected forms of exploitation"),
        required=False,
        choices=EXPLOITATION_FORM_CHOICES,
        widget=django_forms.CheckboxSelectMultiple,
    )
    labour_sector = django_forms.ChoiceField(
        label=_("Sector"),
        required=False,
        choices=[("", _("Not known or not applicable")), *ISIC_CHOICES],
        help_text=_("For labour exploitation or domestic servitude (ISIC section)."),
    )
    person_description = _area(
        _("Description of the person"),
        help_text=_("Appearance, language, what the person said about themselves. Encrypted."),
        max_length=TEXT_LIMITS["person_description"],
    )
    person_id = django_forms.IntegerField(
        label=_("Person number"),
        required=False,
        min_value=1,
        help_text=_("If the person is already registered in OpenNRM."),
        widget=django_forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    given_names = _text(_("Given names"), max_length=200)
    family_name = _text(_("Family name"), max_length=200)
    date_of_birth = django_forms.CharField(
        label=_("Date of birth"),
        required=False,
        widget=django_forms.DateInput(attrs={"type": "date"}),
    )
    version = django_forms.IntegerField(widget=django_forms.HiddenInput, required=False)

    SIGNAL_FIELDS = (
        "observed_at", "acute", "description", "region", "municipality", "place_detail",
        "barrier", "population", "estimated_age", "forms", "labour_sector", "person_description",
    )  # fmt: skip
    PERSON_FIELDS = ("person_id", "given_names", "family_name", "date_of_birth")

    def __init__(
        self,
        *args: Any,
        organisations: list[Organisation] | None = None,
        country: str = "",
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
        else:
            set_choices(self, "organisation", [(org.pk, org.name) for org in organisations])
            if len(organisations) == 1:
                self.fields["organisation"].initial = organisations[0].pk
        countries = {country} if country else {org.country for org in organisations or []}
        regions: list[tuple[str, Any]] = [("", _("Not known"))]
        for code in sorted(countries):
            rules = jurisdictions.get(code)
            if rules is not None:
                regions += [(region.code, region.name) for region in rules.regions]
        set_choices(self, "region", regions)
        if editing:
            for name in self.PERSON_FIELDS:
                del self.fields[name]
        else:
            del self.fields["version"]

    def signal_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.SIGNAL_FIELDS}
        return data

    def person_data(self) -> dict[str, Any] | None:
        if "person_id" not in self.fields:
            return None
        if self.cleaned_data.get("person_id"):
            return {"id": self.cleaned_data["person_id"]}
        data = {
            name: self.cleaned_data.get(name)
            for name in ("given_names", "family_name", "date_of_birth")
        }
        return data if any(data.values()) else None

    def main_fields(self) -> list[Any]:
        return [self[name] for name in ("observed_at", "acute", "description")]

    def place_fields(self) -> list[Any]:
        return [self[name] for name in ("region", "municipality", "place_detail", "barrier")]

    def situation_fields(self) -> list[Any]:
        return [
            self[name]
            for name in (
                "population",
                "estimated_age",
                "forms",
                "labour_sector",
                "person_description",
            )
        ]

    def identity_fields(self) -> list[Any]:
        return [self[name] for name in self.PERSON_FIELDS if name in self.fields]


def initial_of(signal: Signal) -> dict[str, Any]:
    observed = (
        timezone.localtime(signal.observed_at).strftime("%Y-%m-%dT%H:%M")
        if signal.observed_at
        else ""
    )
    return {
        "observed_at": observed,
        "acute": signal.acute,
        "description": signal.description,
        "region": signal.region,
        "municipality": signal.municipality,
        "place_detail": signal.place_detail,
        "barrier": signal.barrier,
        "population": signal.population,
        "estimated_age": signal.estimated_age,
        "forms": signal.forms,
        "labour_sector": signal.labour_sector,
        "person_description": signal.person_description,
        "version": signal.version,
    }


class ScreeningForm(forms.Form):
    """The indicators of one catalogue, as checkboxes grouped like the catalogue."""

    def __init__(
        self,
        *args: Any,
        catalogue: Catalogue,
        initial_codes: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        self.field_groups: list[tuple[str, str]] = []
        for group in catalogue.groups:
            indicators = catalogue.indicators_of(group.code)
            if not indicators:
                continue
            name = f"group_{group.code}"
            self.fields[name] = forms.MultipleChoiceField(
                label=pick(group.title),
                required=False,
                choices=[(item.code, pick(item.text)) for item in indicators],
                widget=forms.CheckboxSelectMultiple,
                initial=[item.code for item in indicators if item.code in (initial_codes or [])],
            )
            self.field_groups.append((name, group.code))

    def observed(self) -> list[str]:
        codes: list[str] = []
        for name, _group in self.field_groups:
            codes += self.cleaned_data.get(name) or []
        return codes

    def group_fields(self) -> list[Any]:
        return [self[name] for name, _group in self.field_groups]


class LinkForm(forms.Form):
    reference = _text(
        _("Reference of the other signal"),
        required=True,
        max_length=20,
        help_text=_("For example S-7KQ2M9XR"),
    )
    kind = forms.ChoiceField(label=_("What do the signals share?"), choices=SignalLinkKind.choices)


class PersonLinkForm(forms.Form):
    person_id = forms.IntegerField(
        label=_("Person number"),
        min_value=1,
        help_text=_("The number shown on the person's page, for example 42."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class PersonFindForm(forms.Form):
    name = _text(_("Name"), max_length=200, help_text=_("Every word you enter must match."))
    date_of_birth = forms.CharField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DismissForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is no further action needed?"),
        choices=[("", _("Choose a reason")), *DismissReason.choices],
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class PublicReportForm(forms.Form):
    what = _area(
        _("What did you see or hear?"),
        required=True,
        help_text=_("Describe what happened. Do not write your own name or contact details."),
        max_length=PUBLIC_TEXT_LIMITS["what"],
    )
    where = _text(
        _("Where did it happen?"),
        help_text=_("Town, street, or a description of the place."),
        max_length=PUBLIC_TEXT_LIMITS["where"],
    )
    when = _text(
        _("When did it happen?"),
        help_text=_("A date, or for example 'every evening since March'."),
        max_length=PUBLIC_TEXT_LIMITS["when"],
    )
    who = _area(
        _("Who is at risk?"),
        help_text=_("How many people, what they look like, which language they speak."),
        max_length=PUBLIC_TEXT_LIMITS["who"],
    )
    minor = forms.ChoiceField(
        label=_("Are children (under 18) involved?"),
        choices=[("unknown", _("I don't know")), ("yes", _("Yes")), ("no", _("No"))],
    )
    country = forms.ChoiceField(label=_("In which country?"))
    # Honeypot: hidden from people (and from assistive technology); bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "country",
            [
                (code, rules.name)
                for code, rules in sorted(jurisdictions.jurisdictions().items())
                if rules.public_reports
            ],
        )

    def visible_fields_in_order(self) -> list[Any]:
        return [self[name] for name in ("what", "where", "when", "who", "minor", "country")]


class PublicAdditionForm(forms.Form):
    code = _text(
        _("Reference code"), required=True, max_length=20, help_text=_("For example ABCD-EFGH-JKMN")
    )
    pin = forms.CharField(
        label=_("PIN"),
        max_length=12,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    text = _area(_("What do you want to add?"), required=True, max_length=5000)
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    @staticmethod
    def wrong_code_message() -> Any:
        return _(
            "The reference code or the PIN is not right. After five wrong PINs a report is locked "
            "for an hour."
        )
