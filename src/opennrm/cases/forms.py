"""Forms of the person pages: they collect raw input; the services validate it.

The rules (real dates, document shape, lengths, e-mail) live in ``cases.validation`` so that the
web pages and the API give the same answers; ``add_service_errors`` puts a service's
``InvalidInput`` back on the form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opennrm.cases.models import Person
from opennrm.cases.validation import DOCUMENT_TYPES, MAX_DOCUMENTS
from opennrm.core.forms import add_service_errors as add_service_errors
from opennrm.directory.models import Organisation

DEFAULT_DOCUMENT_ROWS = 2


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _text(label: Any, *, help_text: Any = "", autocomplete: str = "off") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete, "spellcheck": "false"}),
    )


class PersonSearchForm(forms.Form):
    name = _text(
        _("Name"),
        help_text=_("Any of the person's names or other names. Every word you enter must match."),
    )
    date_of_birth = forms.CharField(label=_("Date of birth"), required=False, widget=DateInput())


def document_rows_for(count: int) -> int:
    """Rows of document fields: every stored document plus one empty row, within limits."""
    return max(DEFAULT_DOCUMENT_ROWS, min(count + 1, MAX_DOCUMENTS))


def posted_document_rows(data: Mapping[str, Any]) -> int:
    posted = sum(1 for key in data if key.startswith("doc_") and key.endswith("_number"))
    return max(DEFAULT_DOCUMENT_ROWS, min(posted, MAX_DOCUMENTS))


class PersonForm(forms.Form):
    """Create (with ``organisations``) or edit (with a hidden ``version``) a person."""

    given_names = _text(_("Given names"))
    family_name = _text(_("Family name"))
    aliases = forms.CharField(
        label=_("Other names used"),
        required=False,
        help_text=_("Aliases, earlier names or spellings: one per line."),
        widget=forms.Textarea,
    )
    date_of_birth = forms.CharField(label=_("Date of birth"), required=False, widget=DateInput())
    phone = _text(_("Phone"))
    email = forms.CharField(
        label=_("E-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        help_text=_("Record only what the support of this person needs."),
        widget=forms.Textarea,
    )

    def __init__(
        self,
        *args: Any,
        organisations: Sequence[Organisation] | None = None,
        document_rows: int = DEFAULT_DOCUMENT_ROWS,
        with_version: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"] = forms.TypedChoiceField(
                label=_("Organisation"),
                choices=[(org.pk, org.name) for org in organisations],
                coerce=int,
                help_text=_("The organisation that registers and supports this person."),
            )
            self.order_fields(["organisation"])
        if with_version:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
        type_choices = [("", _("Choose a type")), *DOCUMENT_TYPES.items()]
        self.document_rows = document_rows
        for row in range(document_rows):
            self.fields[f"doc_{row}_type"] = forms.ChoiceField(
                label=_("Type"), required=False, choices=type_choices
            )
            self.fields[f"doc_{row}_number"] = _text(_("Number"))
            self.fields[f"doc_{row}_country"] = _text(
                _("Issuing country"), help_text=_("Two-letter code, for example RO or NL.")
            )

    def document_fieldsets(self) -> list[dict[str, Any]]:
        return [
            {
                "number": row + 1,
                "fields": [self[f"doc_{row}_{part}"] for part in ("type", "number", "country")],
            }
            for row in range(self.document_rows)
        ]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("given_names", "family_name", "aliases", "date_of_birth")]

    def contact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("phone", "email", "address", "notes")]

    def person_data(self) -> dict[str, Any]:
        """The raw values for the services (which validate them)."""
        data = self.cleaned_data
        documents = []
        for row in range(self.document_rows):
            parts = {
                part: data.get(f"doc_{row}_{part}", "") for part in ("type", "number", "country")
            }
            if any(value.strip() for value in parts.values()):
                documents.append(parts)
        return {
            "given_names": data["given_names"],
            "family_name": data["family_name"],
            "aliases": [line for line in data["aliases"].splitlines() if line.strip()],
            "date_of_birth": data["date_of_birth"] or None,
            "identity_documents": documents,
            "phone": data["phone"],
            "email": data["email"],
            "address": data["address"],
            "notes": data["notes"],
        }


def initial_of(person: Person) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "given_names": person.given_names,
        "family_name": person.family_name,
        "aliases": "\n".join(person.aliases or []),
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "phone": person.phone,
        "email": person.email,
        "address": person.address,
        "notes": person.notes,
        "version": person.version,
    }
    for row, document in enumerate(person.identity_documents or []):
        for part in ("type", "number", "country"):
            initial[f"doc_{row}_{part}"] = document.get(part, "")
    return initial


class ConfirmForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
