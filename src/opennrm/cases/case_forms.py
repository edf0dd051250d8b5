"""Forms of the case-file pages. They parse and label input; the services validate it again and
decide (a form never holds a rule)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from opennrm.cases.models import ClosureReason, IdentificationStatus, MissingOutcome
from opennrm.core.forms import DateInput


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
