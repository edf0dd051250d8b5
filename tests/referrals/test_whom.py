"""The "whom do I contact?" page and the signal page's link to it."""

from __future__ import annotations

from typing import Any

from tests.cases.helpers import csp_clean, page_has
from tests.conftest import verified_client
from tests.intake.helpers import make_signal


def test_the_form_starts_from_the_users_organisation(fiona: Any) -> None:
    page = verified_client(fiona).get("/referrals/whom/")
    assert page.status_code == 200 and csp_clean(page)
    assert page_has(page, '<option value="police" selected>')
    assert page_has(page, '<option value="NL" selected>')
    assert not page_has(page, 'id="answer"')


def test_an_answer_names_the_action_reason_and_source(fiona: Any) -> None:
    page = verified_client(fiona).get("/referrals/whom/", {"country": "NL", "acute": "yes"})
    assert page.status_code == 200 and csp_clean(page)
    assert page_has(page, 'id="answer"')
    assert page_has(page, "(004:L76)")


def test_invalid_answers_are_refused(fiona: Any) -> None:
    page = verified_client(fiona).get("/referrals/whom/", {"country": "ZZ", "population": "teen"})
    assert page.status_code == 400 and page_has(page, "govuk-error-summary")


def test_anonymous_users_are_sent_to_sign_in(db: Any) -> None:
    from django.test import Client

    response = Client().get("/referrals/whom/", {"country": "NL", "acute": "yes"})
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_the_signal_page_links_to_the_answer_for_its_categories(fiona: Any, police_nl: Any) -> None:
    signal = make_signal(fiona, police_nl, acute=True)
    page = verified_client(fiona).get(f"/signals/{signal.pk}/")
    html = page.content.decode()
    assert (
        "/referrals/whom/?country=NL&amp;referrer_kind=police&amp;acute=yes&amp;population=minor"
        in html
    )
    assert "Girl" not in html.split("/referrals/whom/?", 1)[1].split('"', 1)[0]  # no free text
