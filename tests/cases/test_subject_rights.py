"""Data-subject rights: an access request answered with everything held (JSON and PDF), and a
rectification that keeps the values before and after (issue #6)."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from typing import Any

import pytest

from opennrm.cases import casework, subject_access, team
from opennrm.cases.models import Person
from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.core.models import AuditEvent
from opennrm.sharing.models import Rectification
from tests.cases import world as w
from tests.cases.test_views import _form_fields
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def world(db: Any) -> w.World:
    return w.build()


@pytest.fixture
def clock(monkeypatch: Any) -> w.Clock:
    return w.Clock(monkeypatch, START)


def test_an_access_request_gets_everything_held_as_json_and_pdf(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(world.sara, world.payoke, date_of_birth=datetime.date(2001, 4, 5))
    casework.service_add(
        actor=world.sara, case_id=case.pk, data={"kind": "medical", "status": "active"}
    )
    team.team_member_add(
        actor=world.sara, case_id=case.pk,
        data={"organisation": world.other_be.pk, "role": "care", "categories": ["services"],
              "purpose": "aftercare", "consent_given_on": "2026-03-01", "ends_on": "2026-09-01"},
    )  # fmt: skip
    response = verified_client(world.sara).post(f"/persons/{case.person_id}/subject-access/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    files = zipfile.ZipFile(io.BytesIO(response.content))
    name = f"person-{case.person_id}"
    assert sorted(files.namelist()) == [f"{name}.json", f"{name}.pdf"]
    document = json.loads(files.read(f"{name}.json"))
    assert document["format"] == "opennrm.subject-access.v1"
    assert document["person"]["family_name"] == "Person"
    assert document["person"]["date_of_birth"] == "2001-04-05"
    assert [c["case"]["reference"] for c in document["case_files"]] == [case.reference]
    assert document["case_files"][0]["services"][0]["service"] == "medical"
    assert document["disclosed_to"][0]["organisation"] == world.other_be.name
    assert document["disclosed_to"][0]["basis"] == "consent"
    assert files.read(f"{name}.pdf").startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="export", object_type="person")
    assert event.purpose == "subject_access" and event.detail["case_files"] == [case.pk]
    assert "Person" not in json.dumps(event.detail)


def test_only_who_may_export_the_person_answers(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    with pytest.raises(NotFoundOrForbidden):
        subject_access.subject_access(actor=world.otto, person_id=case.person_id)
    assert (
        verified_client(world.piet).post(f"/persons/{case.person_id}/subject-access/").status_code
        == 404
    )
    assert (
        verified_client(world.sara).get(f"/persons/{case.person_id}/subject-access/").status_code
        == 405
    )


def test_a_rectification_keeps_before_after_and_reason(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    person = Person.objects.get(pk=case.person_id)
    client = verified_client(world.sara)
    # A correction without a change is refused and records nothing.
    response = client.post(
        f"/persons/{person.pk}/edit/",
        {**_form_fields(person), "rectification_reason": "asked at intake"},
    )
    assert response.status_code == 400 and not Rectification.objects.exists()
    response = client.post(
        f"/persons/{person.pk}/edit/",
        {**_form_fields(person, family_name="Persson"), "rectification_reason": "misspelt"},
    )
    assert response.status_code == 302
    row = Rectification.objects.get()
    assert (row.field, row.old_value, row.new_value, row.reason) == (
        "family_name", "Person", "Persson", "misspelt",
    )  # fmt: skip
    page = client.get(f"/persons/{person.pk}/")
    assert b"Corrections at the person" in page.content and b"misspelt" in page.content
    event = AuditEvent.objects.filter(action="update", object_type="person").latest("seq")
    assert event.purpose == "rectification" and "Persson" not in json.dumps(event.detail)
    # A plain edit (no reason) is not a rectification.
    person.refresh_from_db()
    client.post(f"/persons/{person.pk}/edit/", _form_fields(person, phone="+32 1"))
    assert Rectification.objects.count() == 1


def test_a_rectification_needs_a_reason(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    person = Person.objects.get(pk=case.person_id)
    with pytest.raises(InvalidInput) as raised:
        subject_access.person_rectify(
            actor=world.sara, person_id=person.pk, expected_version=person.version,
            data={"family_name": "Other"}, reason="  ",
        )  # fmt: skip
    assert "reason" in raised.value.errors
    assert Person.objects.get(pk=person.pk).family_name == "Person"
