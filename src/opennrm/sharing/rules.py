"""What a legal basis covers, and the limits of a grant (no database writes here)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _

from opennrm.sharing.models import DataCategory, LegalBasis

CATEGORY_CODES = tuple(DataCategory.values)
# A grant never runs longer than this without being renewed (data minimisation, GDPR art. 5(1)(e)).
MAX_GRANT_DAYS = 2 * 365
# How long an emergency opening lasts, and the shortest reason accepted.
PURPOSE_MAX = 300
BREAK_GLASS_HOURS = 4
BREAK_GLASS_REASON_MIN = 20


def category_labels(codes: Any) -> list[str]:
    labels = dict(DataCategory.choices)
    return [str(labels.get(code, code)) for code in codes]


def basis_problems(
    basis: LegalBasis,
    *,
    granting_organisation_id: int,
    organisation_id: int,
    categories: list[str],
    today: date,
    ends_on: date | None,
) -> dict[str, list[str]]:
    """Why ``basis`` does not cover sharing ``categories`` from one organisation with another
    until ``ends_on`` (empty when it does): each problem under the form field it concerns."""
    problems: dict[str, list[str]] = {}
    if not basis.is_valid_on(today):
        problems.setdefault("legal_basis", []).append(_("This legal basis is not in force today."))
    parties = set(basis.parties.values_list("pk", flat=True))
    if granting_organisation_id not in parties:
        problems.setdefault("legal_basis", []).append(
            _("The lead organisation of the case is not a party to this legal basis.")
        )
    if organisation_id not in parties:
        problems.setdefault("organisation", []).append(
            _("This organisation is not a party to the legal basis you named.")
        )
    uncovered = [code for code in categories if code not in basis.categories]
    if uncovered:
        problems.setdefault("categories", []).append(
            _("The legal basis does not cover: %(categories)s.")
            % {"categories": "; ".join(category_labels(uncovered))}
        )
    if ends_on is not None and basis.valid_until is not None and ends_on > basis.valid_until:
        problems.setdefault("ends_on", []).append(
            _("The legal basis ends on %(day)s: choose an end date on or before it.")
            % {"day": basis.valid_until.isoformat()}
        )
    return problems


def latest_end(today: date) -> date:
    return today + timedelta(days=MAX_GRANT_DAYS)
