"""The person services: validation, concurrency, permissions and their audit events."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from opennrm.cases import selectors, services
from opennrm.cases.models import Person, PersonNameToken
from opennrm.core import audit
from opennrm.core.errors import (
    ConcurrentEditError,
    InvalidInput,
    NotFoundOrForbidden,
    PermissionDeniedError,
)
from opennrm.core.models import AuditEvent
from tests.cases.helpers import DISTINCT, events, make_person, person_data

# --- create -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_stores_typed_values_and_audits_field_names(alice: Any, shelter_a: Any) -> None:
    data = {**DISTINCT, "date_of_birth": "1987-06-19"}
    data["identity_documents"] = [{"type": "passport", "number": " RX4471920Q ", "country": "ro"}]
    person = services.person_create(actor=alice, organisation_id=shelter_a.pk, data=data)
    stored = Person.objects.get(pk=person.pk)
    assert stored.date_of_birth == datetime.date(1987, 6, 19)
    documents_ok = stored.identity_documents == [
        {"type": "passport", "number": "RX4471920Q", "country": "RO"}
    ]
    assert documents_ok
    assert stored.version == 1
    assert stored.organisation_id == shelter_a.pk
    assert stored.created_by_id == alice.pk
    assert stored.dob_index != ""
    event = AuditEvent.objects.get(action="create", object_type="person", object_id=str(person.pk))
    assert event.actor_id == alice.pk
    assert event.organisation_id == shelter_a.pk
    assert event.detail == {
        "fields": [
            "given_names",
            "family_name",
            "aliases",
            "date_of_birth",
            "identity_documents",
            "phone",
            "email",
            "address",
            "notes",
        ]
    }


@pytest.mark.django_db
def test_create_needs_add_permission_in_that_organisation(
    alice: Any, carol: Any, dave: Any, shelter_a: Any, shelter_b: Any
) -> None:
    for actor, organisation in ((carol, shelter_a), (alice, shelter_b), (dave, shelter_a)):
        with pytest.raises(PermissionDeniedError):
            services.person_create(actor=actor, organisation_id=organisation.pk, data=person_data())
    assert Person.objects.count() == 0
    assert events("create") == 0
    assert events("denied", object_type="person") == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date_of_birth", "2001-02-30"),
        ("date_of_birth", "30/01/2001"),
        ("date_of_birth", "2999-01-01"),
        ("date_of_birth", "1850-01-01"),
        ("identity_documents", [{"type": "passport", "number": "X1"}]),
        ("identity_documents", [{"type": "passport", "number": "X1", "country": "RO", "x": 1}]),
        ("identity_documents", [{"type": "passport", "number": "", "country": "RO"}]),
        ("identity_documents", [{"type": "spaceship", "number": "X1", "country": "RO"}]),
        ("identity_documents", [{"type": "passport", "number": "X1", "country": "Romania"}]),
        ("identity_documents", ["passport X1"]),
        ("identity_documents", "passport X1 RO"),
        ("email", "not-an-address"),
        ("phone", "call me maybe"),
        ("given_names", "x" * 201),
        ("given_names", "two\nlines"),
        ("notes", "y" * 5001),
        ("aliases", "not a list"),
        ("aliases", [f"alias {n}" for n in range(21)]),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    alice: Any, shelter_a: Any, field: str, value: Any
) -> None:
    before_seq = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.person_create(
            actor=alice, organisation_id=shelter_a.pk, data=person_data(**{field: value})
        )
    assert list(refused.value.errors) == [field]
    assert all(refused.value.errors[field])  # a message for each problem
    assert Person.objects.count() == 0
    assert PersonNameToken.objects.count() == 0
    assert events("create") == 0
    assert AuditEvent.objects.count() == before_seq


@pytest.mark.django_db
def test_error_messages_do_not_repeat_the_input(alice: Any, shelter_a: Any) -> None:
    secret = "RX-SECRET-0042-NUMBER-THAT-IS-FAR-TOO-LONG-FOR-ANY-DOCUMENT-ON-EARTH-XYZ"
    with pytest.raises(InvalidInput) as refused:
        services.person_create(
            actor=alice,
            organisation_id=shelter_a.pk,
            data=person_data(
                identity_documents=[{"type": "passport", "number": secret, "country": "RO"}],
                email="secret-address",
            ),
        )
    text = " ".join(m for messages in refused.value.errors.values() for m in messages)
    repeated = secret in text or "secret-address" in text
    assert repeated is False
    assert set(refused.value.errors) == {"identity_documents", "email"}


@pytest.mark.django_db
def test_unknown_fields_and_a_nameless_person_are_refused(alice: Any, shelter_a: Any) -> None:
    with pytest.raises(InvalidInput) as unknown:
        services.person_create(
            actor=alice, organisation_id=shelter_a.pk, data={**person_data(), "religion": "x"}
        )
    assert list(unknown.value.errors) == ["religion"]
    with pytest.raises(InvalidInput) as nameless:
        services.person_create(
            actor=alice,
            organisation_id=shelter_a.pk,
            data=person_data(given_names="", family_name=" ", aliases=[]),
        )
    assert list(nameless.value.errors) == ["family_name"]
    # an alias alone will do when the name is not known
    make_person(alice, shelter_a, given_names="", family_name="", aliases=["Mici"])
    assert Person.objects.count() == 1


# --- update and concurrency ---------------------------------------------------------------------


@pytest.mark.django_db
def test_update_changes_fields_increments_version_and_audits_names(alice: Any, person: Any) -> None:
    updated = services.person_update(
        actor=alice,
        person_id=person.pk,
        expected_version=1,
        data={"phone": "+31 6 1234 5678", "family_name": "Popescu"},  # family name unchanged
    )
    assert updated.version == 2
    assert Person.objects.get(pk=person.pk).version == 2
    event = AuditEvent.objects.get(action="update", object_id=str(person.pk))
    assert event.detail == {"fields": ["phone"]}
    assert event.organisation_id == person.organisation_id


@pytest.mark.django_db
def test_update_without_a_change_writes_nothing(alice: Any, person: Any) -> None:
    services.person_update(
        actor=alice, person_id=person.pk, expected_version=1, data={"family_name": "Popescu"}
    )
    assert Person.objects.get(pk=person.pk).version == 1
    assert events("update") == 0


@pytest.mark.django_db
def test_concurrent_edit_is_detected_and_the_first_change_survives(
    alice: Any, bob: Any, person: Any
) -> None:
    services.person_update(
        actor=alice, person_id=person.pk, expected_version=1, data={"phone": "+31 20 111 2222"}
    )
    with pytest.raises(ConcurrentEditError):
        services.person_update(
            actor=bob, person_id=person.pk, expected_version=1, data={"phone": "+31 20 999 0000"}
        )
    stored = Person.objects.get(pk=person.pk)
    first_kept = stored.phone == "+31 20 111 2222"
    assert first_kept
    assert stored.version == 2
    assert events("update") == 1


@pytest.mark.django_db
def test_update_validates_and_needs_change_permission(
    alice: Any, carol: Any, dave: Any, person: Any
) -> None:
    with pytest.raises(InvalidInput):
        services.person_update(
            actor=alice, person_id=person.pk, expected_version=1, data={"date_of_birth": "1-1-1"}
        )
    for outsider in (carol, dave):
        with pytest.raises(NotFoundOrForbidden):
            services.person_update(
                actor=outsider, person_id=person.pk, expected_version=1, data={"notes": "x"}
            )
    assert Person.objects.get(pk=person.pk).version == 1
    assert events("update") == 0
    assert events("denied", object_id=str(person.pk)) == 2


# --- delete and export --------------------------------------------------------------------------


@pytest.mark.django_db
def test_delete_needs_delete_permission(alice: Any, cora: Any, person: Any) -> None:
    with pytest.raises(NotFoundOrForbidden):  # case workers may not delete
        services.person_delete(actor=alice, person_id=person.pk)
    assert Person.objects.filter(pk=person.pk).exists()
    with pytest.raises(ConcurrentEditError):
        services.person_delete(actor=cora, person_id=person.pk, expected_version=7)
    services.person_delete(actor=cora, person_id=person.pk, expected_version=1)
    assert not Person.objects.filter(pk=person.pk).exists()
    assert PersonNameToken.objects.filter(person_id=person.pk).count() == 0
    event = AuditEvent.objects.get(action="delete", object_id=str(person.pk))
    assert event.actor_id == cora.pk
    assert "given_names" in event.detail["fields"]
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_person(actor=cora, person_id=person.pk, action="view")


@pytest.mark.django_db
def test_export_returns_everything_and_is_audited(alice: Any, shelter_a: Any) -> None:
    person = make_person(alice, shelter_a, **DISTINCT)
    exported = services.person_export(actor=alice, person_id=person.pk)
    assert exported["id"] == person.pk
    assert exported["organisation"]["id"] == shelter_a.pk
    assert exported["date_of_birth"] == "1987-06-19"
    complete = all(
        exported[name] == value for name, value in DISTINCT.items() if name != "date_of_birth"
    )
    assert complete
    event = AuditEvent.objects.get(action="export", object_id=str(person.pk))
    assert len(event.detail["fields"]) == 9


@pytest.mark.django_db
def test_export_needs_export_permission(dave: Any, carol: Any, person: Any) -> None:
    for outsider in (dave, carol):
        with pytest.raises(NotFoundOrForbidden):
            services.person_export(actor=outsider, person_id=person.pk)
    assert events("export") == 0


# --- the audit event is written in the transaction of the change --------------------------------


def _failing_after_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every audit write succeed and then the service fail, as if a later step broke."""
    original = audit.record

    def record_then_fail(**kwargs: Any) -> Any:
        original(**kwargs)
        raise RuntimeError("a later step failed")

    monkeypatch.setattr(audit, "record", record_then_fail)


SERVICE_CALLS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "create": lambda alice, cora, p: services.person_create(
        actor=alice, organisation_id=p.organisation_id, data=person_data()
    ),
    "update": lambda alice, cora, p: services.person_update(
        actor=alice, person_id=p.pk, expected_version=1, data={"notes": "changed"}
    ),
    "delete": lambda alice, cora, p: services.person_delete(actor=cora, person_id=p.pk),
    "export": lambda alice, cora, p: services.person_export(actor=alice, person_id=p.pk),
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(SERVICE_CALLS))
def test_a_failing_service_leaves_neither_change_nor_event(
    monkeypatch: pytest.MonkeyPatch, alice: Any, cora: Any, person: Any, action: str
) -> None:
    events_before = AuditEvent.objects.count()
    persons_before = Person.objects.count()
    _failing_after_record(monkeypatch)
    with pytest.raises(RuntimeError):
        SERVICE_CALLS[action](alice, cora, person)
    assert AuditEvent.objects.count() == events_before
    assert events(action) == (1 if action == "create" else 0)  # the fixture's own create
    assert Person.objects.count() == persons_before
    assert Person.objects.get(pk=person.pk).version == 1


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(SERVICE_CALLS))
def test_each_service_writes_its_event(alice: Any, cora: Any, person: Any, action: str) -> None:
    before = events(action)
    SERVICE_CALLS[action](alice, cora, person)
    assert events(action) == before + 1
    assert audit.verify_chain().ok
