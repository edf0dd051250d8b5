"""The auditor's page: only auditors; newest first; filters; pagination; the chain check."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from opennrm.core import audit
from opennrm.core.models import AuditEvent
from tests.cases.helpers import csp_clean, page_has
from tests.conftest import verified_client


@pytest.fixture
def trail(alice: Any, bob: Any, shelter_a: Any) -> None:
    audit.record(action="login", actor=alice)
    audit.record(
        action="read", actor=alice, organisation_id=shelter_a.pk, object_type="person", object_id=7
    )
    audit.record(
        action="update",
        actor=bob,
        organisation_id=shelter_a.pk,
        object_type="person",
        object_id=7,
        detail={"fields": ["phone", "notes"]},
    )
    audit.record(action="read", actor=bob, organisation_id=99, object_type="person", object_id=8)


def shown(response: Any) -> list[int]:
    return [event.seq for event, _detail in response.context["rows"]]


def count(response: Any) -> int:
    return int(response.context["page"].paginator.count)


@pytest.mark.django_db
def test_auditor_sees_events_newest_first(auditor: Any, trail: None) -> None:
    response = verified_client(auditor).get("/audit/")
    assert response.status_code == 200
    seqs = shown(response)
    assert seqs == sorted(seqs, reverse=True)
    assert len(seqs) == AuditEvent.objects.count() - 1  # the view's own record comes after
    for text in ("alice", "Verify the chain", "fields: phone, notes", "#99"):
        assert page_has(response, text)
    assert csp_clean(response)


@pytest.mark.django_db
def test_filters(auditor: Any, alice: Any, bob: Any, shelter_a: Any, trail: None) -> None:
    client = verified_client(auditor)
    assert count(client.get("/audit/", {"action": "read"})) == 2
    assert count(client.get("/audit/", {"actor": "bob"})) == 2
    assert count(client.get("/audit/", {"actor": str(alice.pk)})) == 2
    assert count(client.get("/audit/", {"object_type": "person", "object_id": "7"})) == 2
    assert count(client.get("/audit/", {"organisation": str(shelter_a.pk)})) == 2
    assert count(client.get("/audit/", {"action": "read", "organisation": "99"})) == 1
    today = timezone.localdate()
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    in_range = client.get(
        "/audit/",
        {"action": "update", "date_from": today.isoformat(), "date_to": today.isoformat()},
    )
    assert count(in_range) == 1
    assert count(client.get("/audit/", {"action": "update", "date_from": tomorrow})) == 0
    assert count(client.get("/audit/", {"action": "update", "date_to": yesterday})) == 0
    backwards = client.get("/audit/", {"date_from": tomorrow, "date_to": yesterday})
    assert backwards.status_code == 400
    assert count(backwards) == 0
    assert client.get("/audit/", {"action": "no-such-action"}).status_code == 400


@pytest.mark.django_db
def test_pagination_keeps_the_filters(auditor: Any, alice: Any) -> None:
    for _ in range(60):
        audit.record(action="logout", actor=alice)
    client = verified_client(auditor)
    first = client.get("/audit/", {"action": "logout"})
    assert count(first) == 60
    assert len(shown(first)) == 50
    assert page_has(first, "?action=logout&amp;page=2")
    second = client.get("/audit/", {"action": "logout", "page": "2"})
    assert len(shown(second)) == 10
    assert set(shown(first)).isdisjoint(shown(second))


@pytest.mark.django_db
def test_reading_the_trail_is_itself_recorded(auditor: Any, trail: None) -> None:
    verified_client(auditor).get("/audit/")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.object_type, event.actor_id) == (
        "search",
        "auditevent",
        auditor.pk,
    )


@pytest.mark.django_db
def test_others_are_refused_and_the_attempt_recorded(alice: Any, dave: Any) -> None:
    for user in (alice, dave):
        assert verified_client(user).get("/audit/").status_code == 403
        assert verified_client(user).post("/audit/verify/").status_code == 403
    denied = AuditEvent.objects.filter(action="denied", object_type="auditevent")
    assert denied.count() == 4
    assert set(denied.values_list("actor_id", flat=True)) == {alice.pk, dave.pk}


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in() -> None:
    response = Client().get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


@pytest.mark.django_db
def test_verify_button_reports_intact_and_broken(auditor: Any, trail: None) -> None:
    client = verified_client(auditor)
    assert client.get("/audit/verify/").status_code == 405
    intact = client.post("/audit/verify/", follow=True)
    assert intact.status_code == 200
    assert page_has(intact, "The audit chain is intact")
    seq = AuditEvent.objects.filter(action="update").values_list("seq", flat=True).get()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
            )
        cursor.execute("UPDATE core_auditevent SET actor_label = 'x' WHERE seq = %s", [seq])
    broken = client.post("/audit/verify/", follow=True)
    assert page_has(broken, f"The audit chain is broken at event {seq}")
