"""The directory of organisations (page and API), /me, and the operator commands."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from opennrm.core.models import AuditEvent
from opennrm.directory.models import Membership, Organisation, User
from tests import factories
from tests.conftest import verified_client

ME = "/api/v1/directory/me"
ORGANISATIONS = "/api/v1/directory/organisations"


@pytest.fixture
def directory(shelter_a: Any, shelter_b: Any, rapporteur: Any, centre: Any) -> list[Any]:
    return [shelter_a, shelter_b, rapporteur, centre]


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)  # analysts need no second factor
    return client


def test_organisations_page_lists_and_filters(dave: Any, directory: list[Any]) -> None:
    client = signed_in(dave)
    url = reverse("directory:organisations")
    everything = client.get(url)
    assert everything.status_code == 200
    for org in directory:
        assert org.name.encode() in everything.content

    belgian = client.get(url, {"country": "BE"})
    assert belgian.status_code == 200
    assert b"Shelter B" in belgian.content and b"Shelter A" not in belgian.content

    rapporteurs = client.get(url, {"kind": "national_rapporteur"})
    assert b"Rapporteur" in rapporteurs.content and b"Shelter A" not in rapporteurs.content


def test_organisations_page_explains_a_bad_filter(dave: Any, directory: list[Any]) -> None:
    response = signed_in(dave).get(reverse("directory:organisations"), {"country": "XX"})
    assert response.status_code == 400
    assert b"There is a problem" in response.content


def test_organisations_page_needs_a_role(db: Any, shelter_a: Any) -> None:
    nobody = factories.user("nobody")
    assert signed_in(nobody).get(reverse("directory:organisations")).status_code == 403
    anonymous = Client().get(reverse("directory:organisations"))
    assert anonymous.status_code == 302


def test_api_organisations_is_paginated(dave: Any, directory: list[Any]) -> None:
    client = signed_in(dave)
    body = client.get(ORGANISATIONS).json()
    assert body["count"] == 4
    assert {item["slug"] for item in body["items"]} == {o.slug for o in directory}
    first = body["items"][0]
    assert set(first) == {"id", "slug", "name", "kind", "country", "region"}

    page = client.get(ORGANISATIONS, {"limit": 1, "offset": 1}).json()
    assert page["count"] == 4 and len(page["items"]) == 1
    belgian = client.get(ORGANISATIONS, {"country": "be"}).json()
    assert [item["slug"] for item in belgian["items"]] == ["shelter-b"]
    assert client.get(ORGANISATIONS, {"kind": "nonsense"}).status_code == 422


def test_api_me_with_a_verified_session(erin: Any, shelter_a: Any) -> None:
    body = verified_client(erin).get(ME).json()
    assert body["username"] == "erin"
    assert body["token"] is None
    assert body["memberships"] == [
        {
            "organisation": {"id": shelter_a.pk, "slug": "shelter-a", "name": "Shelter A"},
            "roles": ["administrator"],
        }
    ]


def test_api_refuses_an_unverified_session_where_two_factor_is_required(erin: Any) -> None:
    assert signed_in(erin).get(ME).status_code == 401


def test_org_create_command(db: Any) -> None:
    out = StringIO()
    call_command(
        "org_create",
        "--slug",
        "be-payoke-test",
        "--name",
        "Payoke",
        "--kind",
        "shelter_ngo",
        "--country",
        "be",
        "--region",
        "be-vlg",
        "--function",
        "specialised-centre",
        stdout=out,
    )
    org = Organisation.objects.get(slug="be-payoke-test")
    assert (org.country, org.kind, org.region) == ("BE", "shelter_ngo", "BE-VLG")
    assert org.functions == ["specialised-centre"]
    assert AuditEvent.objects.filter(
        action="create", object_type="organisation", object_id=str(org.pk), actor_label="cli"
    ).exists()
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "org_create",
            "--slug",
            "be-payoke-test",
            "--name",
            "Again",
            "--kind",
            "shelter_ngo",
            "--country",
            "BE",
            stdout=StringIO(),
        )
    with pytest.raises(CommandError, match="country"):
        call_command(
            "org_create",
            "--slug",
            "x-1",
            "--name",
            "X",
            "--kind",
            "other",
            "--country",
            "B1",
            stdout=StringIO(),
        )
    assert Organisation.objects.count() == 1


def test_user_create_command_prints_a_working_link(shelter_a: Any, mailoutbox: Any) -> None:
    out = StringIO()
    call_command(
        "user_create",
        "--org",
        "shelter-a",
        "--username",
        "hank",
        "--email",
        "h@example.org",
        "--role",
        "administrator",
        "case_worker",
        "--print-link",
        stdout=out,
    )
    hank = User.objects.get(username="hank")
    roles = set(Membership.objects.filter(user=hank).values_list("role", flat=True))
    assert roles == {"administrator", "case_worker"}
    link = out.getvalue().strip().splitlines()[-1]
    assert "/directory/password/set/" in link
    assert mailoutbox == []
    landing = Client().get(link.split("8000", 1)[1])
    assert landing.status_code == 302 and landing["Location"].endswith("/set-password/")


def test_user_create_command_sends_the_email(
    shelter_a: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "user_create",
            "--org",
            "shelter-a",
            "--username",
            "ivy",
            "--email",
            "ivy@example.org",
            "--role",
            "case_worker",
            stdout=out,
        )
    assert "e-mail was sent" in out.getvalue()
    assert [m.to for m in mailoutbox] == [["ivy@example.org"]]


def test_user_create_command_reports_bad_input(shelter_a: Any) -> None:
    with pytest.raises(CommandError, match="email"):
        call_command(
            "user_create",
            "--org",
            "shelter-a",
            "--username",
            "ivy",
            "--email",
            "not-an-email",
            "--role",
            "case_worker",
            stdout=StringIO(),
        )
    with pytest.raises(CommandError, match="no organisation"):
        call_command(
            "user_create",
            "--org",
            "nowhere",
            "--username",
            "ivy",
            "--email",
            "i@example.org",
            "--role",
            "case_worker",
            stdout=StringIO(),
        )
    assert not User.objects.filter(username="ivy").exists()
