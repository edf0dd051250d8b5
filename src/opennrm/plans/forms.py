"""Forms of the plan pages; the services validate again."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from opennrm.plans.models import MeasureStatus


class ProgressForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices)
    narrative = forms.CharField(
        label=_("What happened"), widget=forms.Textarea, required=False, max_length=4000
    )
    evidence_url = forms.CharField(
        label=_("Evidence (link)"),
        required=False,
        max_length=500,
        help_text=_("A web address of the report, decision or publication, e.g. https://…"),
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea, max_length=4000)


class LinkForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    organisation = forms.ChoiceField(
        label=_("Lead organisation in OpenNRM"), choices=(), required=False
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Plan file (.yaml or .csv)"))
