"""Writes of persons (DESIGN rule 1): one service per use case, one transaction each.

Each service checks the actor's permission through ``access_person`` (or ``ADD_PERSON`` on the
target organisation for a new person) before it opens its transaction, so that a refused attempt
is audited even though the service then raises. Input is validated into typed values before
anything is written. The audit event is the last step inside the transaction and names the
changed fields, never their values.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from opennrm.cases import deadlines
from opennrm.cases.indexes import dob_index, person_name_hashes
from opennrm.cases.models import CaseFile, Person, PersonNameToken
from opennrm.cases.selectors import OBJECT_TYPE, access_person
from opennrm.cases.validation import NAME_FIELDS, PERSON_FIELDS, clean_person_data, require_a_name
from opennrm.core import audit, clock
from opennrm.core.errors import ConcurrentEditError, InvalidInput, PermissionDeniedError
from opennrm.core.locks import lock_for_update
from opennrm.core.models import AuditAction
from opennrm.directory import roles
from opennrm.sharing.models import Rectification

EXPORT_FORMAT = "opennrm.person.v1"


def _filled(values: Mapping[str, Any]) -> list[str]:
    """Names of the fields that hold a value (for the audit trail: names, never values)."""
    return [name for name in PERSON_FIELDS if values.get(name) not in (None, "", [], {})]


def _values_of(person: Person) -> dict[str, Any]:
    return {name: getattr(person, name) for name in PERSON_FIELDS}


def _replace_name_tokens(person: Person) -> None:
    wanted = person_name_hashes(person.given_names, person.family_name, person.aliases)
    existing = set(PersonNameToken.objects.filter(person=person).values_list("token", flat=True))
    stale = existing - wanted
    if stale:
        PersonNameToken.objects.filter(person=person, token__in=stale).delete()
    PersonNameToken.objects.bulk_create(
        [PersonNameToken(person=person, token=token) for token in sorted(wanted - existing)]
    )


def person_create(
    *, actor: Any, organisation_id: int, data: Mapping[str, Any], purpose: str = ""
) -> Person:
    """Register a person in ``organisation_id``; the actor needs ``ADD_PERSON`` there."""
    if not isinstance(organisation_id, int) or not actor.has_perm(
        roles.ADD_PERSON, organisation_id
    ):
        audit.record(
            action=AuditAction.DENIED,
            actor=actor,
            organisation_id=organisation_id if isinstance(organisation_id, int) else None,
            object_type=OBJECT_TYPE,
            detail={"action": "create"},
        )
        raise PermissionDeniedError
    values = clean_person_data(data, partial=False)
    require_a_name(values)
    with transaction.atomic():
        now = clock.now()
        person = Person(
            organisation_id=organisation_id,
            dob_index=dob_index(values["date_of_birth"]),
            version=1,
            created_at=now,
            updated_at=now,
            created_by_id=getattr(actor, "pk", None),
            **values,
        )
        person.save(force_insert=True)
        _replace_name_tokens(person)
        audit.record_object(
            action=AuditAction.CREATE,
            actor=actor,
            obj=person,
            purpose=purpose,
            detail={"fields": _filled(values)},
        )
    return person


def person_update(
    *,
    actor: Any,
    person_id: int,
    expected_version: int,
    data: Mapping[str, Any],
    purpose: str = "",
) -> Person:
    """Change the given fields if nobody changed the person since ``expected_version``.

    Raises ``ConcurrentEditError`` (and changes nothing) when the stored version differs.
    """
    access_person(actor=actor, person_id=person_id, action="change", purpose=purpose)
    values = clean_person_data(data, partial=True)
    with transaction.atomic():
        person = lock_for_update(Person, person_id)
        if person.version != expected_version:
            raise ConcurrentEditError
        changed = [name for name, value in values.items() if getattr(person, name) != value]
        if not changed:
            return person
        for name in changed:
            setattr(person, name, values[name])
        require_a_name(_values_of(person))
        person.version += 1
        person.updated_at = clock.now()
        update_fields = [*changed, "version", "updated_at"]
        if "date_of_birth" in changed:
            person.dob_index = dob_index(person.date_of_birth)
            update_fields.append("dob_index")
        person.save(update_fields=update_fields)
        if NAME_FIELDS & set(changed):
            _replace_name_tokens(person)
        if "date_of_birth" in changed:
            deadlines.sync_person(person.pk)
        audit.record_object(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=person,
            purpose=purpose,
            detail={"fields": changed},
        )
    return person


def person_delete(
    *,
    actor: Any,
    person_id: int,
    expected_version: int | None = None,
    purpose: str = "",
) -> None:
    """Delete the person and its name index; with ``expected_version``, only if unchanged."""
    access_person(actor=actor, person_id=person_id, action="delete", purpose=purpose)
    if CaseFile.objects.filter(person_id=person_id).exists():
        raise InvalidInput(
            {
                "__all__": [
                    _(
                        "This person has a case file. A person with a case file cannot be "
                        "deleted; the case file's retention rules decide when both go."
                    )
                ]
            }
        )
    with transaction.atomic():
        person = lock_for_update(Person, person_id)
        if expected_version is not None and person.version != expected_version:
            raise ConcurrentEditError
        pk, organisation_id, fields = person.pk, person.organisation_id, _filled(_values_of(person))
        person.delete()
        # The history of corrections holds old values: it goes with the person.
        Rectification.objects.filter(object_type="person", object_id=person_id).delete()
        audit.record(
            action=AuditAction.DELETE,
            actor=actor,
            organisation_id=organisation_id,
            object_type=OBJECT_TYPE,
            object_id=pk,
            purpose=purpose,
            detail={"fields": fields},
        )


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def person_export(*, actor: Any, person_id: int, purpose: str = "") -> dict[str, Any]:
    """Everything stored about the person, for a subject-access request or a transfer."""
    person = access_person(actor=actor, person_id=person_id, action="export", purpose=purpose)
    with transaction.atomic():
        values = _values_of(person)
        document: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "exported_at": clock.now().isoformat(),
            "id": person.pk,
            "organisation": {"id": person.organisation_id, "name": person.organisation.name},
            "version": person.version,
            "created_at": person.created_at.isoformat(),
            "updated_at": person.updated_at.isoformat(),
            **values,
            "date_of_birth": _iso(person.date_of_birth),
        }
        audit.record_object(
            action=AuditAction.EXPORT,
            actor=actor,
            obj=person,
            purpose=purpose,
            detail={"fields": _filled(values)},
        )
    return document
