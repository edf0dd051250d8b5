"""Dates from staff forms and the API: one reader for every date a service accepts.

Kept apart from ``core.validation`` (whose messages the public report pages show, in every public
language): these messages appear to staff only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from opennrm.core.validation import FieldErrors


def clean_date(
    value: Any,
    field: str,
    errors: FieldErrors,
    *,
    required: bool = False,
    earliest: date | None = None,
    latest: date | None = None,
    too_early: str | None = None,
    too_late: str | None = None,
) -> date | None:
    """A date from a ``date`` or ``YYYY-MM-DD`` text; None when empty (an error if ``required``)
    or, with an error on ``field``, when it cannot be read or lies outside ``earliest`` …
    ``latest`` (``too_early`` / ``too_late`` say why; by default "in the future")."""
    if value in (None, ""):
        if required:
            errors.add(field, _("Enter a date."))
        return None
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        errors.add(field, _("Enter a date as YYYY-MM-DD."))
        return None
    if earliest is not None and day < earliest:
        errors.add(field, too_early or _("The date is too early."))
        return None
    if latest is not None and day > latest:
        errors.add(field, too_late or _("The date cannot be in the future."))
        return None
    return day
