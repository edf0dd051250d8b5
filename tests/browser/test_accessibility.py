"""axe-core finds no serious or critical violation on any page, in English, Dutch and French."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.browser.conftest import serious_violations
from tests.conftest import verified_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, live_server: Any, user: Any, language: str) -> None:
    """Reuse a verified session made by the test client, so each page is checked directly."""
    client = verified_client(user)
    host = live_server.url.split("//", 1)[1].split(":")[0]
    page.context.add_cookies(
        [
            {
                "name": "opennrm_session",
                "value": client.cookies["opennrm_session"].value,
                "domain": host,
                "path": "/",
            },
            {"name": "opennrm_language", "value": language, "domain": host, "path": "/"},
        ]
    )


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_every_page_passes_axe(live_server: Any, page: Any, language: str) -> None:
    from opennrm.cases import services as person_services

    org = factories.organisation("shelter-a", kind="shelter_ngo", country="NL")
    alice = factories.user("alice", org, "coordinator", "administrator", "auditor")
    person = person_services.person_create(
        actor=alice,
        organisation_id=org.pk,
        data={"given_names": "Test", "family_name": "Person", "date_of_birth": "2001-02-03"},
    )
    sign_in(page, live_server, alice, language)
    paths = [
        "/",
        "/persons/",
        "/persons/new/",
        f"/persons/{person.pk}/",
        f"/persons/{person.pk}/edit/",
        f"/persons/{person.pk}/delete/",
        "/directory/organisations/",
        "/directory/users/",
        "/directory/users/new/",
        f"/directory/users/{alice.pk}/",
        "/directory/api-clients/",
        "/directory/api-clients/new/",
        "/audit/",
        "/account/two-factor/recovery-codes/",
    ]
    problems = {}
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert page.locator("html").get_attribute("lang") == language
        found = serious_violations(page)
        if found:
            problems[path] = found
    assert problems == {}


def test_form_errors_are_accessible(live_server: Any, page: Any) -> None:
    org = factories.organisation("shelter-a", kind="shelter_ngo", country="NL")
    alice = factories.user("alice", org, "case_worker")
    sign_in(page, live_server, alice, "en")
    page.goto(f"{live_server.url}/persons/new/")
    page.locator("main form button[type=submit]").first.click()
    page.locator(".govuk-error-summary").wait_for()
    assert serious_violations(page) == []
