"""The person pages over HTTP: search by POST, create, read, edit with conflicts, delete, export."""

from __future__ import annotations

import json
from typing import Any

import pytest

from opennrm.cases import services
from opennrm.cases.models import Person
from opennrm.core.models import AuditEvent
from tests.cases.helpers import csp_clean, events, make_person, page_has
from tests.conftest import verified_client


def _form_fields(person: Person, **changes: str) -> dict[str, Any]:
    fields = {
        "version": str(person.version),
        "given_names": person.given_names,
        "family_name": person.family_name,
        "aliases": "\n".join(person.aliases),
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "phone": person.phone,
        "email": person.email,
        "address": person.address,
        "notes": person.notes,
        "doc_0_type": "",
        "doc_0_number": "",
        "doc_0_country": "",
    }
    fields.update(changes)
    return fields


@pytest.mark.django_db
def test_search_posts_the_query_and_shows_results(alice: Any, person: Any) -> None:
    client = verified_client(alice)
    page = client.get("/persons/")
    assert page.status_code == 200
    assert csp_clean(page)
    assert page_has(page, '<form method="post" action="/persons/"')
    response = client.post("/persons/", {"name": "POPESCU ana", "date_of_birth": ""})
    assert response.status_code == 200
    listed = page_has(response, f'href="/persons/{person.pk}/"') and page_has(response, "Shelter A")
    assert listed
    assert events("search") == 1
    # the query never goes into a URL
    assert client.get("/persons/?name=popescu").status_code == 200
    assert events("search") == 1


@pytest.mark.django_db
def test_search_needs_a_criterion_and_a_real_date(alice: Any, person: Any) -> None:
    client = verified_client(alice)
    empty = client.post("/persons/", {"name": "", "date_of_birth": ""})
    assert empty.status_code == 400
    assert page_has(empty, "govuk-error-summary")
    bad_date = client.post("/persons/", {"name": "", "date_of_birth": "1999-02-31"})
    assert bad_date.status_code == 400
    assert events("search") == 0


@pytest.mark.django_db
def test_search_page_is_refused_to_analysts(dave: Any) -> None:
    assert verified_client(dave).get("/persons/").status_code == 403


@pytest.mark.django_db
def test_register_a_person(alice: Any, shelter_a: Any) -> None:
    client = verified_client(alice)
    page = client.get("/persons/new/")
    assert page.status_code == 200
    assert csp_clean(page)
    response = client.post(
        "/persons/new/",
        {
            "organisation": str(shelter_a.pk),
            "given_names": "Elena",
            "family_name": "Dobre",
            "aliases": "Lena\nLeni",
            "date_of_birth": "2004-09-12",
            "doc_0_type": "passport",
            "doc_0_number": "058812345",
            "doc_0_country": "ro",
            "doc_1_type": "",
            "doc_1_number": "",
            "doc_1_country": "",
            "phone": "",
            "email": "",
            "address": "",
            "notes": "",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get()
    assert response["Location"] == f"/persons/{person.pk}/"
    stored_ok = person.aliases == ["Lena", "Leni"] and person.identity_documents == [
        {"type": "passport", "number": "058812345", "country": "RO"}
    ]
    assert stored_ok
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert csp_clean(detail)
    shown = page_has(detail, "Dobre")
    assert shown


@pytest.mark.django_db
def test_bad_input_on_the_form_changes_nothing(alice: Any, shelter_a: Any) -> None:
    client = verified_client(alice)
    response = client.post(
        "/persons/new/",
        {
            "organisation": str(shelter_a.pk),
            "given_names": "Elena",
            "date_of_birth": "2004-02-30",
            "doc_0_type": "passport",
            "doc_0_number": "",
            "doc_0_country": "RO",
        },
    )
    assert response.status_code == 400
    assert page_has(response, "govuk-error-summary")
    assert page_has(response, 'href="#id_date_of_birth"')
    assert page_has(response, "Document 1: enter the document number.")
    assert Person.objects.count() == 0
    assert events("create") == 0


@pytest.mark.django_db
def test_register_in_an_organisation_not_ones_own_is_refused(
    alice: Any, shelter_b: Any, dave: Any
) -> None:
    response = verified_client(alice).post(
        "/persons/new/", {"organisation": str(shelter_b.pk), "given_names": "X"}
    )
    assert response.status_code == 400  # not among the choices offered
    assert Person.objects.count() == 0
    assert verified_client(dave).get("/persons/new/").status_code == 403


@pytest.mark.django_db
def test_edit_saves_and_bumps_the_version(alice: Any, person: Any) -> None:
    client = verified_client(alice)
    page = client.get(f"/persons/{person.pk}/edit/")
    assert page.status_code == 200
    assert page_has(page, 'name="version" value="1"')
    response = client.post(f"/persons/{person.pk}/edit/", _form_fields(person, phone="+40 1"))
    assert response.status_code == 302
    stored = Person.objects.get(pk=person.pk)
    assert stored.version == 2
    saved = stored.phone == "+40 1"
    assert saved


@pytest.mark.django_db
def test_concurrent_edit_gives_a_clear_error_and_keeps_the_other_change(
    alice: Any, bob: Any, person: Any
) -> None:
    stale = _form_fields(person, notes="bob's note")
    services.person_update(
        actor=alice, person_id=person.pk, expected_version=1, data={"phone": "+40 700 000 001"}
    )
    response = verified_client(bob).post(f"/persons/{person.pk}/edit/", stale)
    assert response.status_code == 409
    assert page_has(response, "Someone else changed this person")
    assert page_has(response, 'name="version" value="2"')  # the form carries the current version
    stored = Person.objects.get(pk=person.pk)
    kept = stored.phone == "+40 700 000 001" and stored.notes == ""
    assert kept
    assert stored.version == 2


@pytest.mark.django_db
def test_delete_confirms_then_deletes(cora: Any, alice: Any, person: Any) -> None:
    assert verified_client(alice).get(f"/persons/{person.pk}/delete/").status_code == 404
    client = verified_client(cora)
    page = client.get(f"/persons/{person.pk}/delete/")
    assert page.status_code == 200
    assert Person.objects.filter(pk=person.pk).exists()
    response = client.post(f"/persons/{person.pk}/delete/", {"version": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/persons/"
    assert not Person.objects.filter(pk=person.pk).exists()
    assert events("delete") == 1


@pytest.mark.django_db
def test_export_downloads_json_and_is_audited(alice: Any, shelter_a: Any) -> None:
    person = make_person(alice, shelter_a, notes="needs a Romanian interpreter")
    client = verified_client(alice)
    assert client.get(f"/persons/{person.pk}/export/").status_code == 405  # POST only
    response = client.post(f"/persons/{person.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="person-{person.pk}.json"'
    assert response["Cache-Control"] == "no-store"
    document = json.loads(response.content)
    assert document["id"] == person.pk
    complete = document["notes"] == "needs a Romanian interpreter"
    assert complete
    event = AuditEvent.objects.get(action="export")
    assert (event.actor_id, event.object_id, event.channel) == (alice.pk, str(person.pk), "web")
