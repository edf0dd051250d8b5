"""Validation of person data at the edge (DESIGN rule 7): raw input in, typed values out.

Web forms and the API hand their raw values to the services, which call ``clean_person_data``;
bad input raises ``InvalidInput`` with messages per field before anything is written. Messages
never repeat the rejected value: it may be a name or a document number.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opennrm.core import clock
from opennrm.core.errors import InvalidInput
from opennrm.core.validation import CONTROL as _CONTROL
from opennrm.core.validation import FieldErrors, clean_text

TEXT_FIELDS: dict[str, int] = {
    "given_names": 200,
    "family_name": 200,
    "phone": 40,
    "email": 254,
    "address": 500,
    "notes": 5000,
}
PERSON_FIELDS: tuple[str, ...] = (
    "given_names",
    "family_name",
    "aliases",
    "date_of_birth",
    "identity_documents",
    "phone",
    "email",
    "address",
    "notes",
)
NAME_FIELDS = frozenset({"given_names", "family_name", "aliases"})
MAX_ALIASES = 20
ALIAS_MAX_LENGTH = 200
MAX_DOCUMENTS = 10
DOCUMENT_NUMBER_MAX_LENGTH = 64
EARLIEST_BIRTH = datetime.date(1900, 1, 1)
DOCUMENT_TYPES: dict[str, Any] = {
    "passport": gettext_lazy("Passport"),
    "id_card": gettext_lazy("Identity card"),
    "residence_permit": gettext_lazy("Residence permit"),
    "travel_document": gettext_lazy("Travel document"),
    "birth_certificate": gettext_lazy("Birth certificate"),
    "driving_licence": gettext_lazy("Driving licence"),
    "other": gettext_lazy("Other document"),
}
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{3,40}$")
# Control characters other than tab and newlines have no place in identity data.


def _aliases(value: Any, errors: FieldErrors) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors.add("aliases", _("Enter a list of other names."))
        return []
    aliases: list[str] = []
    for item in value:
        alias = clean_text(item, "aliases", ALIAS_MAX_LENGTH, errors, multiline=False)
        if alias and alias not in aliases:
            aliases.append(alias)
    if len(aliases) > MAX_ALIASES:
        errors.add("aliases", _("Enter at most %(limit)d other names.") % {"limit": MAX_ALIASES})
    return aliases


def parse_date_of_birth(value: Any, field: str, errors: FieldErrors) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        errors.add(field, _("Enter a date without a time."))
        return None
    if isinstance(value, datetime.date):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.date.fromisoformat(value.strip())
        except ValueError:
            errors.add(field, _("Enter a real date of birth, for example 1994-03-27."))
            return None
    else:
        errors.add(field, _("Enter a real date of birth, for example 1994-03-27."))
        return None
    if parsed > clock.now().date():
        errors.add(field, _("The date of birth must be in the past."))
    elif parsed < EARLIEST_BIRTH:
        errors.add(field, _("The date of birth must be after 1900."))
    return parsed


def _documents(value: Any, errors: FieldErrors) -> list[dict[str, str]]:
    field = "identity_documents"
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors.add(field, _("Enter a list of identity documents."))
        return []
    if len(value) > MAX_DOCUMENTS:
        errors.add(field, _("Enter at most %(limit)d documents.") % {"limit": MAX_DOCUMENTS})
        return []
    documents: list[dict[str, str]] = []
    for position, item in enumerate(value, start=1):
        where = {"n": position}
        if not isinstance(item, Mapping) or set(item) != {"type", "number", "country"}:
            errors.add(
                field, _("Document %(n)d: give exactly a type, a number and a country.") % where
            )
            continue
        doc_type, number, country = item["type"], item["number"], item["country"]
        if not all(isinstance(part, str) for part in (doc_type, number, country)):
            errors.add(field, _("Document %(n)d: type, number and country must be text.") % where)
            continue
        number, country = number.strip(), country.strip().upper()
        if doc_type not in DOCUMENT_TYPES:
            errors.add(field, _("Document %(n)d: choose a type of document.") % where)
        if not number:
            errors.add(field, _("Document %(n)d: enter the document number.") % where)
        elif len(number) > DOCUMENT_NUMBER_MAX_LENGTH or _CONTROL.search(number):
            errors.add(
                field,
                _("Document %(n)d: enter a number of at most %(limit)d characters.")
                % {"n": position, "limit": DOCUMENT_NUMBER_MAX_LENGTH},
            )
        if not _COUNTRY.match(country):
            errors.add(
                field,
                _("Document %(n)d: enter the issuing country as a two-letter code, like RO.")
                % where,
            )
        documents.append({"type": doc_type, "number": number, "country": country})
    return documents


def clean_person_data(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Typed values of the given fields; all fields (defaults filled in) unless ``partial``."""
    errors = FieldErrors()
    for unknown in sorted(set(data) - set(PERSON_FIELDS)):
        errors.add(unknown, _("This field is not known."))
    names = PERSON_FIELDS if not partial else tuple(f for f in PERSON_FIELDS if f in data)
    cleaned: dict[str, Any] = {}
    for name in names:
        value = data.get(name)
        if name in TEXT_FIELDS:
            multiline = name in {"address", "notes"}
            cleaned[name] = clean_text(value, name, TEXT_FIELDS[name], errors, multiline=multiline)
        elif name == "aliases":
            cleaned[name] = _aliases(value, errors)
        elif name == "date_of_birth":
            cleaned[name] = parse_date_of_birth(value, name, errors)
        elif name == "identity_documents":
            cleaned[name] = _documents(value, errors)
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors.add("email", _("Enter an e-mail address like name@example.org."))
    if cleaned.get("phone") and not _PHONE.match(cleaned["phone"]):
        errors.add("phone", _("Enter a phone number of digits, spaces and + ( ) - . / only."))
    if errors.errors:
        raise InvalidInput(errors.errors)
    return cleaned


def require_a_name(values: Mapping[str, Any]) -> None:
    """A person is registered under at least one name (an alias will do if the name is unknown)."""
    if not (values.get("given_names") or values.get("family_name") or values.get("aliases")):
        raise InvalidInput(
            {"family_name": [_("Enter a given name, a family name or another name used.")]}
        )
