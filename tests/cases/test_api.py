"""The persons API: the same services as the pages, typed schemas, 404/409/422 mapping."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from opennrm.cases.models import Person
from opennrm.core.models import AuditEvent
from tests.cases.helpers import api_token, events

NEW = {
    "given_names": "Mihai",
    "family_name": "Stan",
    "aliases": ["Mișu"],
    "date_of_birth": "2006-03-14",
    "identity_documents": [{"type": "id_card", "number": "SX 123456", "country": "RO"}],
}


def client_for(user: Any, organisation: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(user, organisation)}")


def _json(client: Client, method: str, path: str, body: Any = None) -> Any:
    return getattr(client, method)(path, body, content_type="application/json")


@pytest.mark.django_db
def test_create_read_search_and_delete(alice: Any, cora: Any, shelter_a: Any) -> None:
    client = client_for(alice, shelter_a)
    created = _json(client, "post", "/api/v1/persons/", {"organisation_id": shelter_a.pk, **NEW})
    assert created.status_code == 201
    body = created.json()
    assert body["version"] == 1
    assert body["date_of_birth"] == "2006-03-14"
    person_id = body["id"]
    read = client.get(f"/api/v1/persons/{person_id}")
    assert read.status_code == 200
    assert read.json()["identity_documents"][0]["country"] == "RO"
    found = _json(client, "post", "/api/v1/persons/search", {"name": "misu STAN"})
    assert [row["id"] for row in found.json()] == [person_id]
    by_date = _json(client, "post", "/api/v1/persons/search", {"date_of_birth": "2006-03-14"})
    assert [row["id"] for row in by_date.json()] == [person_id]
    url = f"/api/v1/persons/{person_id}"
    assert client.delete(f"{url}?version=1").status_code == 404  # case worker
    coordinator = client_for(cora, shelter_a)
    assert coordinator.delete(url).status_code == 422  # the version read is required
    assert coordinator.delete(f"{url}?version=2").status_code == 409  # stale: not deleted
    assert Person.objects.filter(pk=person_id).exists()
    deleted = coordinator.delete(f"{url}?version=1")
    assert deleted.status_code == 204
    assert not Person.objects.filter(pk=person_id).exists()
    channels = set(
        AuditEvent.objects.filter(object_type="person").values_list("channel", flat=True)
    )
    assert channels == {"api"}
    tokens = set(
        AuditEvent.objects.filter(object_type="person").values_list("api_token_id", flat=True)
    )
    assert None not in tokens


@pytest.mark.django_db
def test_invalid_input_is_422_with_field_errors_and_writes_nothing(
    alice: Any, shelter_a: Any
) -> None:
    client = client_for(alice, shelter_a)
    bad_date = _json(
        client,
        "post",
        "/api/v1/persons/",
        {"organisation_id": shelter_a.pk, **NEW, "date_of_birth": "2006-02-30"},
    )
    assert bad_date.status_code == 422
    bad_document = _json(
        client,
        "post",
        "/api/v1/persons/",
        {
            "organisation_id": shelter_a.pk,
            **NEW,
            "identity_documents": [{"type": "passport", "number": "X", "country": "ROU"}],
        },
    )
    assert bad_document.status_code == 422
    rules = _json(
        client,
        "post",
        "/api/v1/persons/",
        {
            "organisation_id": shelter_a.pk,
            **NEW,
            "identity_documents": [{"type": "spaceship", "number": "X", "country": "RO"}],
            "email": "nope",
        },
    )
    assert rules.status_code == 422
    assert set(rules.json()["errors"]) == {"identity_documents", "email"}
    assert Person.objects.count() == 0
    assert events("create") == 0


@pytest.mark.django_db
def test_create_in_another_organisation_is_403(alice: Any, shelter_a: Any, shelter_b: Any) -> None:
    response = _json(
        client_for(alice, shelter_a),
        "post",
        "/api/v1/persons/",
        {"organisation_id": shelter_b.pk, **NEW},
    )
    assert response.status_code == 403
    assert Person.objects.count() == 0
    assert events("denied", object_type="person") == 1


@pytest.mark.django_db
def test_patch_with_a_stale_version_is_409_and_the_first_change_survives(
    alice: Any, bob: Any, shelter_a: Any, person: Any
) -> None:
    first = _json(
        client_for(alice, shelter_a),
        "patch",
        f"/api/v1/persons/{person.pk}",
        {"version": 1, "phone": "+40 711 000 111"},
    )
    assert first.status_code == 200
    assert first.json()["version"] == 2
    second = _json(
        client_for(bob, shelter_a),
        "patch",
        f"/api/v1/persons/{person.pk}",
        {"version": 1, "phone": "+40 799 999 999"},
    )
    assert second.status_code == 409
    stored = Person.objects.get(pk=person.pk)
    kept = stored.phone == "+40 711 000 111"
    assert kept
    assert stored.version == 2
    missing_version = _json(
        client_for(bob, shelter_a), "patch", f"/api/v1/persons/{person.pk}", {"phone": "1"}
    )
    assert missing_version.status_code == 422


@pytest.mark.django_db
def test_patch_changes_only_the_fields_sent(alice: Any, shelter_a: Any, person: Any) -> None:
    response = _json(
        client_for(alice, shelter_a),
        "patch",
        f"/api/v1/persons/{person.pk}",
        {"version": 1, "aliases": ["Ani"]},
    )
    assert response.status_code == 200
    stored = Person.objects.get(pk=person.pk)
    unchanged = stored.family_name == "Popescu" and stored.aliases == ["Ani"]
    assert unchanged
    event = AuditEvent.objects.get(action="update")
    assert event.detail == {"fields": ["aliases"]}


@pytest.mark.django_db
def test_out_of_range_organisation_id_is_a_clear_error(alice: Any, shelter_a: Any) -> None:
    client = client_for(alice, shelter_a)
    for bad in (2**70, 0, -1):
        response = _json(client, "post", "/api/v1/persons/", {"organisation_id": bad})
        assert response.status_code == 422
    assert not Person.objects.exists()
