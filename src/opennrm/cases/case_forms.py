"""Forms of the case-file pages. They parse and label input; the services validate it again and
decide (a form never holds a rule)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opennrm.cases.models import (
    ClosureReason,
    ExportBasis,
    ExportGround,
    IdentificationStatus,
    InformationTopic,
    JusticeKind,
    MeansOfControl,
    MissingOutcome,
    NotProsecutedReason,
    RecruitmentMethod,
    Relationship,
    ServiceKind,
    ServiceStatus,
    Sex,
)
from opennrm.core.forms import DateInput
from opennrm.core.taxonomies import EXPLOITATION_FORM_CHOICES, ISIC_CHOICES

FROM = pgettext_lazy("start of a period", "From")
UNTIL = pgettext_lazy("end of a period", "Until")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class OpenCaseForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Lead organisation"), coerce=int, choices=())
    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    referral = forms.IntegerField(widget=forms.HiddenInput, required=False)
    given_names = forms.CharField(label=_("Given names"), required=False, max_length=200)
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=200)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty if not known. Minors get their 18th-birthday deadlines from it."),
    )
    owner = forms.TypedChoiceField(label=_("Case owner"), coerce=int, choices=())
    unaccompanied_minor = forms.BooleanField(label=_("Unaccompanied minor"), required=False)


class StepForm(VersionForm):
    reason = forms.ChoiceField(
        label=_("Reason for closing"), choices=[("", ""), *ClosureReason.choices], required=False
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False, max_length=4000)


class TransferForm(VersionForm):
    organisation = forms.TypedChoiceField(label=_("New lead organisation"), coerce=int, choices=())
    owner = forms.TypedChoiceField(label=_("New case owner"), coerce=int, choices=())


class TeamForm(VersionForm):
    unaccompanied_minor = forms.BooleanField(label=_("Unaccompanied minor"), required=False)
    guardian_organisation = forms.ChoiceField(
        label=_("Guardian organisation"), choices=(), required=False
    )
    guardian = forms.ChoiceField(label=_("Guardian"), choices=(), required=False)
    guardian_appointed_on = forms.DateField(
        label=_("Guardian appointed on"), required=False, widget=DateInput()
    )
    police_organisation = forms.ChoiceField(
        label=_("Police contact (organisation)"), choices=(), required=False
    )
    police_contact = forms.ChoiceField(label=_("Police contact"), choices=(), required=False)


class NoGuardianForm(VersionForm):
    reason = forms.CharField(
        label=_("Why is there no guardian yet?"), widget=forms.Textarea, max_length=4000
    )


class IdentificationForm(VersionForm):
    status = forms.ChoiceField(
        label=_("Identification status"), choices=IdentificationStatus.choices
    )
    decided_by = forms.ChoiceField(label=_("Decided by"), choices=(), required=False)
    decided_on = forms.DateField(label=_("Decided on"), required=False, widget=DateInput())


class ProcedureStartForm(forms.Form):
    start = forms.ChoiceField(label=_("Procedure and first state"), choices=())
    effective_on = forms.DateField(
        label=_("Since"),
        required=False,
        widget=DateInput(),
        help_text=_("The day this state began; empty: today."),
    )


class ProcedureStepForm(VersionForm):
    transition = forms.ChoiceField(label=_("What happened"), choices=())
    effective_on = forms.DateField(
        label=_("On"),
        required=False,
        widget=DateInput(),
        help_text=_("The day it took effect; empty: today."),
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())
    owner = forms.ChoiceField(label=_("Owner"), choices=(), required=False)


class MissingForm(forms.Form):
    missing_since = forms.DateTimeField(
        label=_("Missing since"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("When the person was last seen; empty: now."),
    )
    circumstances = forms.CharField(
        label=_("Circumstances"), widget=forms.Textarea, required=False, max_length=4000
    )


class FoundForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What happened"), choices=MissingOutcome.choices)


# --- the work on a case (the services validate again: casework.py) ----------------------------

CHECKBOXES = forms.CheckboxSelectMultiple


class SituationForm(VersionForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_year = forms.IntegerField(
        label=_("Year of birth"),
        required=False,
        min_value=1900,
        max_value=2100,
        help_text=_("When the date of birth is not known."),
    )
    citizenships = forms.CharField(
        label=_("Citizenship"),
        required=False,
        max_length=100,
        help_text=_("Country codes (ISO 3166), separated by commas, e.g. RO, BG."),
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=100,
        help_text=_("Language codes (ISO 639), separated by commas, e.g. ro, en."),
    )
    exploitation_forms = forms.MultipleChoiceField(
        label=_("Forms of exploitation"),
        required=False,
        widget=CHECKBOXES,
        choices=EXPLOITATION_FORM_CHOICES,
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"), required=False, widget=CHECKBOXES, choices=ISIC_CHOICES
    )
    means_of_control = forms.MultipleChoiceField(
        label=_("Means of control"),
        required=False,
        widget=CHECKBOXES,
        choices=MeansOfControl.choices,
    )
    recruitment_methods = forms.MultipleChoiceField(
        label=_("How the person was recruited"),
        required=False,
        widget=CHECKBOXES,
        choices=RecruitmentMethod.choices,
    )
    relationship = forms.ChoiceField(
        label=_("Relationship to the trafficker"), choices=Relationship.choices
    )
    recruitment_country = forms.CharField(
        label=_("Country of recruitment"), required=False, max_length=2
    )
    recruitment_place = forms.CharField(
        label=_("Place of recruitment"), required=False, max_length=300
    )
    recruited_on = forms.DateField(
        label=_("Date of recruitment"), required=False, widget=DateInput()
    )
    transit_countries = forms.CharField(
        label=_("Transit countries"),
        required=False,
        max_length=100,
        help_text=_("Country codes, separated by commas."),
    )
    exploitation_country = forms.CharField(
        label=_("Country of exploitation"), required=False, max_length=2
    )
    exploitation_place = forms.CharField(
        label=_("Place of exploitation"), required=False, max_length=300
    )
    exploitation_started_on = forms.DateField(
        label=_("Exploitation began"), required=False, widget=DateInput()
    )
    exploitation_ended_on = forms.DateField(
        label=_("Exploitation ended"), required=False, widget=DateInput()
    )


class ServiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=ServiceKind.choices)
    provider = forms.ChoiceField(label=_("Provider"), choices=(), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices)
    starts_on = forms.DateField(label=FROM, required=False, widget=DateInput())
    ends_on = forms.DateField(label=UNTIL, required=False, widget=DateInput())
    sessions = forms.IntegerField(
        label=_("Number of sessions"),
        required=False,
        min_value=0,
        max_value=1000,
        help_text=_("For psychological support."),
    )
    follow_up_on = forms.DateField(
        label=_("Follow up on"),
        required=False,
        widget=DateInput(),
        help_text=_("Becomes a deadline of the case."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea, max_length=4000)


class ServiceUpdateForm(VersionForm):
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices)
    ends_on = forms.DateField(label=UNTIL, required=False, widget=DateInput())
    sessions = forms.IntegerField(label=_("Number of sessions"), required=False, min_value=0)
    follow_up_on = forms.DateField(label=_("Follow up on"), required=False, widget=DateInput())


class PlacementForm(forms.Form):
    shelter = forms.ChoiceField(label=_("Shelter"), choices=())
    started_on = forms.DateField(label=FROM, widget=DateInput())
    ended_on = forms.DateField(label=UNTIL, required=False, widget=DateInput())


class PlacementEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Left on"), widget=DateInput())


class InterviewForm(forms.Form):
    held_on = forms.DateField(label=_("Date of the interview"), widget=DateInput())
    interviewer_organisation = forms.ChoiceField(label=_("Interviewing organisation"), choices=())
    interviewer = forms.ChoiceField(label=_("Interviewer"), choices=(), required=False)
    certified_interviewer = forms.BooleanField(label=_("Certified interviewer"), required=False)
    audio_visual = forms.BooleanField(label=_("Recorded audio-visually"), required=False)
    child_friendly_room = forms.BooleanField(label=_("In a child-friendly room"), required=False)


class JusticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Decision or step"), choices=JusticeKind.choices)
    decided_on = forms.DateField(label=_("Date"), widget=DateInput())
    authority = forms.ChoiceField(label=_("Authority"), choices=(), required=False)
    reference = forms.CharField(
        label=_("Investigation or prosecution reference"), required=False, max_length=100
    )
    reason = forms.ChoiceField(
        label=_("Reason (not prosecuted)"),
        choices=[("", "\u2013"), *NotProsecutedReason.choices],
        required=False,
    )
    sentence = forms.CharField(label=_("Sentence (convicted)"), required=False, max_length=1000)
    confiscation = forms.BooleanField(label=_("Assets confiscated"), required=False)


class CompensationForm(forms.Form):
    claimed_on = forms.DateField(label=_("Claimed on"), widget=DateInput())
    amount_claimed = forms.CharField(
        label=_("Amount claimed (euro)"), required=False, max_length=20
    )
    awarded_on = forms.DateField(label=_("Judgement on"), required=False, widget=DateInput())
    amount_awarded = forms.CharField(
        label=_("Amount awarded (euro)"), required=False, max_length=20
    )
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DateInput())
    amount_paid = forms.CharField(label=_("Amount paid (euro)"), required=False, max_length=20)
    paid_by_state = forms.BooleanField(label=_("Advanced by the state"), required=False)


class CompensationUpdateForm(VersionForm):
    awarded_on = forms.DateField(label=_("Judgement on"), required=False, widget=DateInput())
    amount_awarded = forms.CharField(
        label=_("Amount awarded (euro)"), required=False, max_length=20
    )
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DateInput())
    amount_paid = forms.CharField(label=_("Amount paid (euro)"), required=False, max_length=20)
    paid_by_state = forms.BooleanField(label=_("Advanced by the state"), required=False)


class InformationForm(forms.Form):
    informed_on = forms.DateField(label=_("Date"), widget=DateInput())
    topic = forms.ChoiceField(label=_("What about"), choices=InformationTopic.choices)
    justice_event = forms.ChoiceField(
        label=_("Step of the criminal case"), choices=(), required=False
    )
    note = forms.CharField(
        label=_("What was said"), required=False, widget=forms.Textarea, max_length=4000
    )


class ExportForm(forms.Form):
    recipient_country = forms.CharField(
        label=_("Country of the recipient"),
        max_length=2,
        help_text=_("Two-letter country code (ISO 3166), e.g. RO."),
    )
    recipient_name = forms.CharField(label=_("Receiving service or guardian"), max_length=200)
    basis = forms.ChoiceField(label=_("Basis for handing over"), choices=ExportBasis.choices)
    consent_given_on = forms.DateField(
        label=_("Consent given on"),
        required=False,
        widget=DateInput(),
        help_text=_("With the person's consent: the day they gave it."),
    )
    legal_ground = forms.ChoiceField(
        label=_("Legal ground"),
        choices=[("", "\u2013"), *ExportGround.choices],
        required=False,
        help_text=_("Without consent: the ground, explained below."),
    )
    explanation = forms.CharField(
        label=_("Explanation"), required=False, widget=forms.Textarea, max_length=2000
    )
