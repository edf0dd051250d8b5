"""Forms of the core pages: the auditor's filters of the audit trail."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opennrm.core.errors import InvalidInput
from opennrm.core.models import AuditAction


def add_service_errors(form: forms.Form, exc: InvalidInput) -> None:
    """Show a service's ``InvalidInput`` on the form: on its field if the form has it."""
    for field, messages in exc.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def set_choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    """Give the choice field ``name`` its choices, known only when the form is made."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is not a choice field")
    field.choices = choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    """Filters in the query string: they name staff, organisations and objects by number only,
    never a person in a case file."""

    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *AuditAction.choices]
    )
    actor = forms.CharField(
        label=_("Actor"),
        required=False,
        max_length=150,
        help_text=_("User name, or user number"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    object_type = forms.CharField(
        label=_("Object type"),
        required=False,
        max_length=64,
        help_text=_("For example person or apitoken"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    object_id = forms.CharField(
        label=_("Object number"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    organisation = forms.IntegerField(
        label=_("Organisation number"),
        required=False,
        min_value=1,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    date_from = forms.DateField(label=_("From (date)"), required=False, widget=DateInput())
    date_to = forms.DateField(
        label=_("Until (date, inclusive)"), required=False, widget=DateInput()
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return data
