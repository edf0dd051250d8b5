"""Validation helpers shared by every app (DESIGN rule 7): collect errors per field, clean text.

Messages never repeat the rejected value: it may be personal data.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from opennrm.core.errors import InvalidInput

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FieldErrors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def clean_text(
    value: Any, field: str, max_length: int, errors: FieldErrors, *, multiline: bool
) -> str:
    """``value`` stripped, or "" with an error when it is not text, too long, or holds control
    characters (or line breaks where ``multiline`` is false)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(field, _("Enter text."))
        return ""
    text = value.strip()
    if not multiline and ("\n" in text or "\r" in text):
        errors.add(field, _("Enter this on one line."))
    if CONTROL.search(text):
        errors.add(field, _("Remove the control characters."))
    if len(text) > max_length:
        errors.add(field, _("Enter at most %(limit)d characters.") % {"limit": max_length})
    return text


def clean_choice(
    value: Any,
    field: str,
    choices: Any,
    errors: FieldErrors,
    message: str,
    *,
    required: bool = False,
) -> str:
    """``value`` if it is one of ``choices``; "" when empty (an error if ``required``) or, with
    ``message`` added to ``field``, when it is not one of them."""
    if value in (None, ""):
        if required:
            errors.add(field, message)
        return ""
    if not isinstance(value, str) or value not in choices:
        errors.add(field, message)
        return ""
    return value
