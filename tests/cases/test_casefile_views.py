"""The case-file pages over HTTP: they render, act through the services, and answer a conflict
with 409 keeping what was typed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from opennrm.cases import protection
from tests.cases import world as w
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def world(db: Any) -> w.World:
    return w.build()


@pytest.fixture
def clock(monkeypatch: Any) -> w.Clock:
    return w.Clock(monkeypatch, START)


def test_pages_render_for_the_case_team_and_404_for_others(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    protection.procedure_start(
        actor=world.sara, case_id=case.pk, procedure="BE/residence", state="reflection"
    )
    client = verified_client(world.sara)
    for url in (
        "/cases/",
        f"/cases/{case.pk}/",
        "/cases/deadlines/",
        "/cases/deadlines/?scope=organisation",
        "/cases/new/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Reflection period" in page and "003:L293" in page
    assert verified_client(world.otto).get(f"/cases/{case.pk}/").status_code == 404
    assert verified_client(world.piet).get(f"/cases/{case.pk}/").status_code == 404


def test_open_a_case_with_a_new_person_then_act_on_it(world: w.World, clock: w.Clock) -> None:
    client = verified_client(world.sara)
    response = client.post(
        "/cases/new/",
        {
            "organisation": world.payoke.pk,
            "given_names": "Ana",
            "family_name": "Test",
            "date_of_birth": "2012-02-29",
            "owner": world.sara.pk,
            "unaccompanied_minor": "on",
        },
    )
    assert response.status_code == 302
    case_url = response["Location"]
    page = client.get(case_url).content.decode()
    assert "Unaccompanied minor" in page and "18th birthday" in page
    case_id = int(case_url.strip("/").split("/")[-1])
    response = client.post(f"/cases/{case_id}/advance/", {"version": 1})
    assert response.status_code == 400
    assert "cannot leave the opening phase" in response.content.decode()


def test_conflict_answers_409_and_keeps_the_input(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    client = verified_client(world.sara)
    assert (
        client.post(
            f"/cases/{case.pk}/identification/",
            {
                "version": case.version,
                "status": "presumed",
                "decided_by": world.police_be.pk,
                "decided_on": "2026-03-01",
            },
        ).status_code
        == 302
    )
    response = client.post(
        f"/cases/{case.pk}/identification/",
        {
            "version": case.version,
            "status": "identified",
            "decided_by": world.centre_be.pk,
            "decided_on": "2026-03-02",
        },
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this case" in body
    assert 'value="2026-03-02"' in body
