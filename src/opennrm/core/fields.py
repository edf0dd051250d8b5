"""Model fields whose values are encrypted at rest (see ``opennrm.core.crypto``).

The database column holds only ciphertext; Python code sees plaintext. Such a column cannot be
filtered on (a lookup other than ``isnull`` raises), because randomised ciphertext never matches:
search goes through a keyed blind index instead.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from opennrm.core import crypto


class EncryptedField(models.TextField):
    """Base: subclasses say how a Python value becomes text and back (``to_text``,
    ``from_text``; not ``serialize``, which Django's ``Field`` uses as an attribute)."""

    description = "Encrypted value"

    def to_text(self, value: Any) -> str:
        return str(value)

    def from_text(self, text: str) -> Any:
        return text

    @property
    def aad(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted and cannot be filtered with "
                f"'{lookup_name}'; search through its blind index"
            )
        return super().get_lookup(lookup_name)

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if value is None:
            return None
        return crypto.encrypt(self.to_text(value), aad=self.aad)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return self.from_text(crypto.decrypt(value, aad=self.aad))

    def to_python(self, value: Any) -> Any:
        return value


class EncryptedTextField(EncryptedField):
    description = "Encrypted text"

    def to_python(self, value: Any) -> Any:
        return value if value is None else str(value)


class EncryptedDateField(EncryptedField):
    description = "Encrypted date"

    def to_text(self, value: Any) -> str:
        if isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        if not isinstance(value, datetime.date):
            raise TypeError(f"{self.name} needs a date")
        return value.isoformat()

    def from_text(self, text: str) -> datetime.date:
        return datetime.date.fromisoformat(text)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, datetime.date):
            return value
        return datetime.date.fromisoformat(str(value))

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> Any:
        from django import forms

        return forms.DateField(required=not self.blank, **kwargs)


class EncryptedJSONField(EncryptedField):
    """A list or mapping of strings (aliases, identity documents), encrypted as JSON."""

    description = "Encrypted JSON"

    def to_text(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def from_text(self, text: str) -> Any:
        return json.loads(text)
