"""The one door to a person: ``access_person`` and its permission matrix (DESIGN rules 2, 8).

Personas: alice (case worker, owner organisation), bob (same organisation), carol (other
organisation), dave (analyst), cora (coordinator, may delete), anonymous.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from opennrm.cases import selectors
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.directory.models import Membership
from tests import factories
from tests.cases.helpers import api_token, events, page_has
from tests.conftest import verified_client

MISSING = 987654


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["alice", "bob"])
@pytest.mark.parametrize("action", ["view", "change", "export"])
def test_case_workers_of_the_owner_organisation_may(
    request: pytest.FixtureRequest, person: Any, persona: str, action: str
) -> None:
    actor = request.getfixturevalue(persona)
    found = selectors.access_person(actor=actor, person_id=person.pk, action=action)
    assert found.pk == person.pk
    assert events("denied") == 0


@pytest.mark.django_db
def test_a_view_is_audited_as_a_read(alice: Any, person: Any) -> None:
    selectors.access_person(actor=alice, person_id=person.pk, action="view", purpose="support")
    selectors.access_person(actor=alice, person_id=person.pk, action="change")
    reads = events("read", object_type="person", object_id=str(person.pk))
    assert reads == 1  # a change check alone reads nothing out
    selectors.access_person(actor=alice, person_id=person.pk, action="change", record_read=True)
    assert events("read", object_id=str(person.pk)) == 2
    from opennrm.core.models import AuditEvent

    first = AuditEvent.objects.filter(action="read").order_by("seq").first()
    assert first is not None
    assert (first.actor_id, first.organisation_id, first.purpose) == (
        alice.pk,
        person.organisation_id,
        "support",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["carol", "dave"])
@pytest.mark.parametrize("action", ["view", "change", "delete", "export"])
def test_other_organisations_and_analysts_get_the_same_answer_as_for_nothing(
    request: pytest.FixtureRequest, person: Any, persona: str, action: str
) -> None:
    actor = request.getfixturevalue(persona)
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_person(actor=actor, person_id=person.pk, action=action)
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_person(actor=actor, person_id=MISSING, action=action)
    # The refused attempt on an existing person is recorded; nothing is read.
    assert events("denied", object_type="person", object_id=str(person.pk)) == 1
    assert events("read") == 0


@pytest.mark.django_db
def test_anonymous_and_garbage_ids_are_refused(person: Any) -> None:
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_person(actor=AnonymousUser(), person_id=person.pk, action="view")
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_person(actor=None, person_id=person.pk, action="view")
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_person(actor=AnonymousUser(), person_id="1 OR 1=1", action="view")
    with pytest.raises(ValueError):
        selectors.access_person(actor=AnonymousUser(), person_id=person.pk, action="own")  # type: ignore[arg-type]


@pytest.mark.django_db
def test_delete_is_for_coordinators_only(alice: Any, cora: Any, person: Any) -> None:
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_person(actor=alice, person_id=person.pk, action="delete")
    assert selectors.access_person(actor=cora, person_id=person.pk, action="delete").pk == person.pk


@pytest.mark.django_db
def test_frontline_may_view_but_not_change(shelter_a: Any, person: Any) -> None:
    frontline = factories.user("fiona", shelter_a, "frontline")
    assert selectors.access_person(actor=frontline, person_id=person.pk, action="view")
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_person(actor=frontline, person_id=person.pk, action="change")


@pytest.mark.django_db
def test_a_withdrawn_role_gives_no_access(bob: Any, person: Any) -> None:
    Membership.objects.filter(user=bob).update(is_active=False)
    bob.refresh_from_db()
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_person(actor=bob, person_id=person.pk, action="view")


# --- over HTTP ----------------------------------------------------------------------------------


def _normalised(body: bytes, *paths: str) -> str:
    text = body.decode()
    for path in paths:
        text = text.replace(path, "<path>")
    text = re.sub(r'"X-CSRFToken": "[A-Za-z0-9]{32,}"', '"X-CSRFToken": "<token>"', text)
    return re.sub(r'value="[A-Za-z0-9]{32,}"', 'value="<token>"', text)


@pytest.mark.django_db
def test_owner_and_team_see_the_page(alice: Any, bob: Any, person: Any) -> None:
    for actor in (alice, bob):
        response = verified_client(actor).get(f"/persons/{person.pk}/")
        assert response.status_code == 200
        shown = page_has(response, "Popescu")
        assert shown


@pytest.mark.django_db
def test_other_organisation_gets_the_same_404_as_a_missing_person(
    carol: Any, dave: Any, person: Any
) -> None:
    for actor in (carol, dave):
        client = verified_client(actor)
        forbidden_path, missing_path = f"/persons/{person.pk}/", f"/persons/{MISSING}/"
        forbidden, missing = client.get(forbidden_path), client.get(missing_path)
        assert forbidden.status_code == missing.status_code == 404
        same = _normalised(forbidden.content, forbidden_path) == _normalised(
            missing.content, missing_path
        )
        assert same
        leaked = page_has(forbidden, "Popescu")
        assert leaked is False
        for suffix in ("edit/", "delete/"):
            assert client.get(f"/persons/{person.pk}/{suffix}").status_code == 404
        assert client.post(f"/persons/{person.pk}/export/").status_code == 404


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(person: Any) -> None:
    for path in (f"/persons/{person.pk}/", "/persons/", "/persons/new/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/")


@pytest.mark.django_db
def test_api_without_credentials_is_401(person: Any) -> None:
    client = Client()
    assert client.get(f"/api/v1/persons/{person.pk}").status_code == 401
    response = client.post(
        "/api/v1/persons/search", {"name": "popescu"}, content_type="application/json"
    )
    assert response.status_code == 401
    bad = Client(HTTP_AUTHORIZATION="Bearer onrm_nope_nope")
    assert bad.get(f"/api/v1/persons/{person.pk}").status_code == 401


@pytest.mark.django_db
def test_api_same_404_for_forbidden_and_missing(carol: Any, shelter_b: Any, person: Any) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(carol, shelter_b)}")
    forbidden = client.get(f"/api/v1/persons/{person.pk}")
    missing = client.get(f"/api/v1/persons/{MISSING}")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


@pytest.mark.django_db
def test_api_token_is_confined_to_its_organisation(
    shelter_a: Any, shelter_b: Any, person: Any
) -> None:
    both = factories.user("mia", shelter_a, "case_worker")
    Membership.objects.create(user=both, organisation=shelter_b, role="case_worker")
    in_b = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(both, shelter_b)}")
    in_a = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(both, shelter_a)}")
    assert in_b.get(f"/api/v1/persons/{person.pk}").status_code == 404
    assert in_a.get(f"/api/v1/persons/{person.pk}").status_code == 200


@pytest.mark.django_db
def test_a_missing_person_is_audited_like_a_refused_one(alice: Any) -> None:
    from opennrm.core.models import AuditEvent

    with pytest.raises(NotFoundOrForbidden):
        selectors.access_person(actor=alice, person_id=987654, action="view")
    event = AuditEvent.objects.get(action="denied", object_id="987654")
    assert (event.object_type, event.organisation_id, event.actor_id) == ("person", None, alice.pk)
