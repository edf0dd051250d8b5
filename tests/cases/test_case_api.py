"""The case files API: the same services and door as the pages, over bearer tokens."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from opennrm.cases import casefiles
from opennrm.directory.models import Notification
from tests.cases import world as w
from tests.cases.helpers import api_token

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def world(db: Any) -> w.World:
    return w.build()


@pytest.fixture
def clock(monkeypatch: Any) -> w.Clock:
    return w.Clock(monkeypatch, START)


def _client(user: Any, organisation: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token(user, organisation)}")


def test_open_step_procedure_and_deadlines_over_the_api(world: w.World, clock: w.Clock) -> None:
    from opennrm.cases import services

    person = services.person_create(
        actor=world.sara, organisation_id=world.payoke.pk, data={"family_name": "Api"}
    )
    api = _client(world.sara, world.payoke)
    response = api.post(
        "/api/v1/cases/",
        {"organisation_id": world.payoke.pk, "person_id": person.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["phase"] == "opening" and case["allowed_steps"] == ["advance", "request_closure"]
    assert "Api" not in response.content.decode()  # no identity in case answers
    response = api.post(
        f"/api/v1/cases/{case['id']}/procedures",
        {"procedure": "BE/residence", "state": "reflection"},
        content_type="application/json",
    )
    assert response.status_code == 201
    procedure = response.json()["procedures"][0]
    assert (procedure["due_on"], procedure["next_steps"]) == ("2026-04-16", ["statement", "end"])
    response = api.post(
        f"/api/v1/cases/{case['id']}/procedures/{procedure['id']}/steps",
        {"transition": "statement", "version": procedure["version"], "effective_on": "2026-03-02"},
        content_type="application/json",
    )
    assert response.json()["procedures"][0]["due_on"] == "2026-06-02"
    response = api.post(
        f"/api/v1/cases/{case['id']}/procedures/{procedure['id']}/steps",
        {"transition": "statement", "version": 2},
        content_type="application/json",
    )
    assert response.status_code == 422
    deadlines = api.get("/api/v1/cases/deadlines").json()
    assert deadlines == []  # 2 June is more than 30 days ahead
    task = api.post(
        f"/api/v1/cases/{case['id']}/tasks",
        {"title": "Call the lawyer", "due_on": "2026-03-05"},
        content_type="application/json",
    )
    assert task.status_code == 201
    assert [row["kind"] for row in api.get("/api/v1/cases/deadlines").json()] == ["task"]


def test_phase_conflicts_and_stale_versions_are_409(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    api = _client(world.sara, world.payoke)
    response = api.post(
        f"/api/v1/cases/{case.pk}/steps",
        {"action": "reopen", "version": case.version},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["phase"] == "opening"
    response = api.post(
        f"/api/v1/cases/{case.pk}/steps",
        {"action": "advance", "version": case.version + 5},
        content_type="application/json",
    )
    assert response.status_code == 409
    response = api.post(
        f"/api/v1/cases/{case.pk}/steps",
        {"action": "approve_closure", "version": case.version},
        content_type="application/json",
    )
    assert response.status_code == 409  # not in the closing phase
    response = api.post(
        f"/api/v1/cases/{case.pk}/steps",
        {"action": "request_closure", "version": case.version, "reason": "nonsense"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "reason" in response.json()["errors"]


def test_others_get_404_and_missing_report_notifies(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.noor, world.fier, unaccompanied_minor=True)
    casefiles.case_set_team(
        actor=world.noor, case_id=case.pk, expected_version=case.version,
        unaccompanied_minor=True, guardian_organisation_id=world.nidos.pk,
        guardian_id=world.nina.pk, police_organisation_id=world.police_nl.pk,
        police_contact_id=world.pim.pk,
    )  # fmt: skip
    assert _client(world.sara, world.payoke).get(f"/api/v1/cases/{case.pk}").status_code == 404
    police = _client(world.pim, world.police_nl)
    assert police.get(f"/api/v1/cases/{case.pk}").status_code == 200  # team member: read only
    assert (
        police.post(
            f"/api/v1/cases/{case.pk}/missing", {}, content_type="application/json"
        ).status_code
        == 403
    )
    response = _client(world.noor, world.fier).post(
        f"/api/v1/cases/{case.pk}/missing",
        {"circumstances": "Did not come back."},
        content_type="application/json",
    )
    assert response.status_code == 201
    row = response.json()["disappearances"][0]
    assert row["police_notified_at"] and row["guardian_notified_at"]
    assert Notification.objects.filter(kind="person_missing").count() == 2
    response = _client(world.noor, world.fier).post(
        f"/api/v1/cases/{case.pk}/missing/{row['id']}/end",
        {"outcome": "returned"},
        content_type="application/json",
    )
    assert response.json()["disappearances"][0]["outcome"] == "returned"
