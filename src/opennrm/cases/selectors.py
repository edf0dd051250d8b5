"""Reads of persons, permission-checked: the one door to a person (DESIGN rule 2).

``access_person`` answers ``NotFoundOrForbidden`` alike for a missing person and a forbidden one,
audits the refused attempt on an existing person (``denied``) and every successful view
(``read``). ``person_search`` looks only in the organisations where the actor may view persons,
matches names and dates of birth through their keyed blind indexes, and audits the number of
results, never the query.
"""

from __future__ import annotations

import datetime
import re
from typing import Any, Literal

from django.utils.translation import gettext as _

from opennrm.cases.case_selectors import IDENTITY, not_hidden_from
from opennrm.cases.indexes import NAME_PURPOSE, dob_index
from opennrm.cases.models import CaseFile, Person
from opennrm.cases.validation import FieldErrors, parse_date_of_birth
from opennrm.core import audit, crypto
from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.core.models import AuditAction
from opennrm.directory import roles
from opennrm.directory.backends import is_signed_in, organisations_with_perm
from opennrm.directory.models import Organisation
from opennrm.sharing import selectors as sharing_selectors

PersonAction = Literal["view", "change", "delete", "export"]
PERMISSION_OF_ACTION: dict[str, str] = {
    "view": roles.VIEW_PERSON,
    "change": roles.CHANGE_PERSON,
    "delete": roles.DELETE_PERSON,
    "export": roles.EXPORT_PERSON,
}
OBJECT_TYPE = "person"
SEARCH_LIMIT = 50
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 10
_CODE = re.compile(r"^[a-z0-9_.:-]{0,64}$")


def _check_purpose(purpose: str) -> None:
    if not _CODE.match(purpose):
        raise InvalidInput({"purpose": [_("Choose a purpose from the list.")]})


def access_person(
    *,
    actor: Any,
    person_id: object,
    action: PersonAction,
    purpose: str = "",
    record_read: bool | None = None,
) -> Person:
    """The person ``person_id`` if ``actor`` may perform ``action`` on it.

    A successful ``view`` writes a ``read`` event; so does any other action with
    ``record_read=True`` (a page that shows the data before changing or deleting it).
    """
    perm = PERMISSION_OF_ACTION.get(action)
    if perm is None:
        raise ValueError(f"unknown action {action!r}")
    _check_purpose(purpose)
    try:
        pk = int(str(person_id))
    except ValueError:
        raise NotFoundOrForbidden from None
    if not is_signed_in(actor):
        raise NotFoundOrForbidden
    person = Person.objects.select_related("organisation").filter(pk=pk).first()
    if person is None:
        # Audited like a refusal, so that a missing and a forbidden person cost the same time.
        audit.record(
            action=AuditAction.DENIED,
            actor=actor,
            object_type=OBJECT_TYPE,
            object_id=pk,
            purpose=purpose,
            detail={"action": action},
        )
        raise NotFoundOrForbidden
    if (
        not actor.has_perm(perm, person)
        and not _leads_a_case_of(actor, person, perm, action)
        and not (action == "view" and _identity_shared(actor, person))
    ) or _hidden(actor, person):
        audit.record_object(
            action=AuditAction.DENIED,
            actor=actor,
            obj=person,
            purpose=purpose,
            detail={"action": action},
        )
        raise NotFoundOrForbidden
    if record_read if record_read is not None else action == "view":
        audit.record_object(
            action=AuditAction.READ,
            actor=actor,
            obj=person,
            purpose=purpose,
        )
    return person


def _leads_a_case_of(actor: Any, person: Person, perm: str, action: str) -> bool:
    """A case file moves with its person: the organisation that leads an open case of the person
    (e.g. after a transfer) may view and change the person, as the registering one may."""
    # The lead organisation of an open case also answers the person's access request
    # (``export``) once the case was transferred to it.
    if action not in ("view", "change", "export"):
        return False
    from opennrm.cases.models import Phase

    leading = organisations_with_perm(actor, perm) & organisations_with_perm(actor, roles.VIEW_CASE)
    return (
        bool(leading)
        and CaseFile.objects.filter(person=person, lead_organisation_id__in=leading)
        .exclude(phase=Phase.CLOSED)
        .exists()
    )


def _identity_shared(actor: Any, person: Person) -> bool:
    """A case team member to whom a grant in force shares the identity, or who opened one of the
    person's case files in an emergency, may view the person (the lead organisation's own right
    is ``_leads_a_case_of``, which ends with the case)."""
    for case_id in CaseFile.objects.filter(person=person, anonymised_at=None).values_list(
        "pk", flat=True
    ):
        grants = sharing_selectors.grants_applying(
            actor=actor, object_type="case", object_id=case_id, perm=roles.VIEW_CASE
        )
        if any(IDENTITY in grant.categories for grant in grants):
            return True
        if sharing_selectors.openings_applying(actor=actor, object_type="case", object_id=case_id):
            return True
    return False


def protected_persons_hidden_from(actor: Any) -> Any:
    """Ids of persons with a specially protected case file on which ``actor`` is not named:
    they are hidden from the actor's searches and refused at the door."""
    return CaseFile.objects.exclude(not_hidden_from(actor)).values("person_id")


def _hidden(actor: Any, person: Person) -> bool:
    if not protected_persons_hidden_from(actor).filter(person_id=person.pk).exists():
        return False
    # An emergency opening of one of the person's cases lets the actor in.
    return not any(
        sharing_selectors.openings_applying(actor=actor, object_type="case", object_id=case_id)
        for case_id in person.case_files.values_list("pk", flat=True)
    )


def person_search(
    *,
    actor: Any,
    name: str = "",
    date_of_birth: datetime.date | str | None = None,
    purpose: str = "",
    limit: int = SEARCH_LIMIT,
) -> list[Person]:
    """Persons whose names hold every word of ``name`` and born on ``date_of_birth``.

    Matching is case- and accent-insensitive ("JOSE" finds "José") because both sides are
    normalised before hashing. At most ``limit`` results, in registration order.
    """
    _check_purpose(purpose)
    errors = FieldErrors()
    name = (name or "").strip()
    if len(name) > SEARCH_MAX_LENGTH:
        errors.add("name", _("Enter at most %(limit)d characters.") % {"limit": SEARCH_MAX_LENGTH})
    dob = parse_date_of_birth(date_of_birth, "date_of_birth", errors)
    words = crypto.name_tokens(name) if name else set()
    if len(words) > SEARCH_MAX_WORDS:
        errors.add("name", _("Enter at most %(limit)d words.") % {"limit": SEARCH_MAX_WORDS})
    if not name and dob is None and not errors.errors:
        errors.add("name", _("Enter a name or a date of birth."))
    if errors.errors:
        raise InvalidInput(errors.errors)
    organisations = (
        organisations_with_perm(actor, roles.VIEW_PERSON) if is_signed_in(actor) else set()
    )
    results: list[Person] = []
    if organisations and (words or not name):
        queryset = Person.objects.filter(organisation_id__in=organisations).exclude(
            pk__in=protected_persons_hidden_from(actor)
        )
        for word in sorted(words):
            # One join per word: a person matches only when it has every word.
            queryset = queryset.filter(name_tokens__token=crypto.blind_index(NAME_PURPOSE, word))
        if dob is not None:
            queryset = queryset.filter(dob_index=dob_index(dob))
        results = list(queryset.select_related("organisation").order_by("pk")[: max(limit, 0)])
    audit.record(
        action=AuditAction.SEARCH,
        actor=actor if is_signed_in(actor) else None,
        actor_label="anonymous",
        object_type=OBJECT_TYPE,
        purpose=purpose,
        # Ids (not personal data) let an auditor answer "who saw person X" for search results too.
        detail={"results": len(results), "ids": [person.pk for person in results]},
    )
    return results


def organisations_for_new_persons(*, actor: Any) -> list[Organisation]:
    """Active organisations in which ``actor`` may register persons."""
    if not is_signed_in(actor):
        return []
    ids = organisations_with_perm(actor, roles.ADD_PERSON)
    return list(Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name"))
