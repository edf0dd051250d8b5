"""Intake pages over HTTP: forms, errors that change nothing, screening, questionnaire, triage."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from opennrm.intake.models import Screening, Signal, SignalLink
from tests.cases.helpers import csp_clean, page_has
from tests.conftest import verified_client
from tests.intake.helpers import DESCRIPTION, make_signal

FORM = {
    "organisation": "",
    "description": DESCRIPTION,
    "population": "minor",
    "estimated_age": "15",
    "forms": ["criminal_activities"],
    "barrier": "employment",
    "region": "NL-UT",
    "municipality": "Utrecht",
    "observed_at": "2026-01-10T14:30",
}


@pytest.fixture
def client(fiona: Any) -> Any:
    return verified_client(fiona)


def test_record_a_signal_through_the_form(client: Any, police_nl: Any) -> None:
    page = client.get("/signals/new/")
    assert page.status_code == 200 and csp_clean(page)
    response = client.post("/signals/new/", {**FORM, "organisation": police_nl.pk})
    signal = Signal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/signals/{signal.pk}/"
    assert signal.description == DESCRIPTION and signal.estimated_age == 15
    assert signal.observed_at is not None and timezone.localtime(signal.observed_at).hour == 14
    detail = client.get(response["Location"])
    assert (
        page_has(detail, signal.reference) and page_has(detail, DESCRIPTION) and csp_clean(detail)
    )


def test_form_errors_are_shown_and_nothing_is_saved(client: Any, police_nl: Any) -> None:
    bad = {
        **FORM,
        "organisation": police_nl.pk,
        "description": "",
        "population": "adult",
        "labour_sector": "A",
    }
    response = client.post("/signals/new/", bad)
    assert response.status_code == 400
    assert page_has(response, "govuk-error-summary")
    for anchor in ("#id_description", "#id_population", "#id_labour_sector"):
        assert page_has(response, f'href="{anchor}"'), anchor
    assert not Signal.objects.exists()


def test_an_organisation_the_user_does_not_belong_to_is_refused(
    client: Any, shelter_a: Any
) -> None:
    response = client.post("/signals/new/", {**FORM, "organisation": shelter_a.pk})
    assert response.status_code == 400
    assert not Signal.objects.exists()


def test_screen_through_the_pages(client: Any, fiona: Any, police_nl: Any) -> None:
    signal = make_signal(fiona, police_nl)
    choose = client.get(f"/signals/{signal.pk}/screen/")
    assert choose.status_code == 200
    assert page_has(choose, f"/signals/{signal.pk}/screen/nl-criminal-exploitation-minors/")
    assert not page_has(choose, "adult-labour-exploitation")  # adult catalogues hidden for a minor
    url = f"/signals/{signal.pk}/screen/nl-criminal-exploitation-minors/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"group_employment": ["employment-03", "employment-07"], "group_finance": ["finance-02"]},
    )
    screening = Screening.objects.get()
    assert response.status_code == 302
    result = client.get(response["Location"])
    assert result.status_code == 200 and csp_clean(result)
    assert page_has(result, "Strong signs")
    assert page_has(result, "Is instructed by others at or around the crime scene")
    assert page_has(result, "3 indicators were observed, worth 3 points in total.")
    assert screening.level == "strong_signs"
    # The form remembers what was observed last time.
    again = client.get(url)
    assert page_has(again, 'value="employment-03" checked')


def test_screening_with_an_unknown_indicator_is_refused(
    client: Any, fiona: Any, police_nl: Any
) -> None:
    signal = make_signal(fiona, police_nl)
    url = f"/signals/{signal.pk}/screen/nl-criminal-exploitation-minors/"
    response = client.post(url, {"group_employment": ["employment-99"]})
    assert response.status_code == 400 and not Screening.objects.exists()
    assert client.get(f"/signals/{signal.pk}/screen/no-such-catalogue/").status_code == 404


def test_first_contact_side_by_side_with_rtl(client: Any, fiona: Any, police_nl: Any) -> None:
    signal = make_signal(fiona, police_nl)
    url = f"/signals/{signal.pk}/first-contact/"
    page = client.get(url, {"language": "ar"})
    assert page.status_code == 200 and csp_clean(page)
    assert page_has(page, 'lang="ar" dir="rtl"') and page_has(page, "هل أنت في خطر الآن؟")
    assert page_has(page, "Are you in danger now?")
    response = client.post(
        url, {"language": "ar", "version": signal.version, "q-danger-now": "yes", "q-age": "12-17"}
    )
    assert response.status_code == 302
    signal.refresh_from_db()
    assert signal.first_contact["answers"] == {"danger-now": "yes", "age": "12-17"}
    detail = client.get(f"/signals/{signal.pk}/")
    assert page_has(detail, "Are you in danger now?")
    bad = client.post(url, {"language": "ar", "version": signal.version, "q-danger-now": "maybe"})
    assert bad.status_code == 400


def test_link_page(client: Any, fiona: Any, police_nl: Any) -> None:
    first = make_signal(fiona, police_nl)
    second = make_signal(fiona, police_nl)
    bad = client.post(
        f"/signals/{first.pk}/link/", {"reference": "S-NOTHERE", "kind": "same_person"}
    )
    assert bad.status_code == 400 and not SignalLink.objects.exists()
    ok = client.post(
        f"/signals/{first.pk}/link/", {"reference": second.reference, "kind": "same_person"}
    )
    assert ok.status_code == 302 and SignalLink.objects.count() == 1
    assert page_has(client.get(f"/signals/{second.pk}/"), first.reference)


def test_triage_and_dismiss(cora: Any, fiona: Any, police_nl: Any) -> None:
    signal = make_signal(fiona, police_nl, acute=True)
    coordinator = verified_client(cora)
    queue = coordinator.get("/signals/triage/")
    assert queue.status_code == 200 and page_has(queue, signal.reference) and csp_clean(queue)
    assert not page_has(queue, DESCRIPTION)
    bad = coordinator.post(
        f"/signals/{signal.pk}/dismiss/", {"reason": "", "version": signal.version}
    )
    assert bad.status_code == 400
    ok = coordinator.post(
        f"/signals/{signal.pk}/dismiss/", {"reason": "duplicate", "version": signal.version}
    )
    assert ok.status_code == 302
    assert not page_has(coordinator.get("/signals/triage/"), signal.reference)
    frontline = verified_client(fiona).post(
        f"/signals/{signal.pk}/dismiss/", {"reason": "duplicate", "version": 2}
    )
    assert frontline.status_code == 404


def test_edit_with_a_stale_version_shows_a_conflict(
    client: Any, fiona: Any, gert: Any, police_nl: Any
) -> None:
    signal = make_signal(fiona, police_nl)
    data = {key: value for key, value in FORM.items() if key != "organisation"}
    first = verified_client(gert).post(
        f"/signals/{signal.pk}/edit/", {**data, "municipality": "Zeist", "version": 1}
    )
    assert first.status_code == 302
    stale = client.post(
        f"/signals/{signal.pk}/edit/", {**data, "municipality": "Baarn", "version": 1}
    )
    assert stale.status_code == 409
    signal.refresh_from_db()
    assert signal.municipality == "Zeist"


def test_catalogue_pages(client: Any) -> None:
    listing = client.get("/signals/catalogues/")
    assert listing.status_code == 200
    for catalogue_id in (
        "nl-criminal-exploitation-minors",
        "adult-labour-exploitation",
        "adult-sexual-exploitation",
        "watch-truckstop",
    ):
        assert page_has(listing, f"/signals/catalogues/{catalogue_id}/v1/")
    page = client.get("/signals/catalogues/watch-truckstop/v1/")
    assert page.status_code == 200 and page_has(page, "Housed at work") and page_has(page, "002:L")
    assert client.get("/signals/catalogues/watch-truckstop/v9/").status_code == 404


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_take_the_same_number_of_queries_for_3_or_12_signals(
    cora: Any, fiona: Any, police_nl: Any
) -> None:
    """No query per row (N+1) on the signal list and the triage queue."""
    for _ in range(3):
        make_signal(fiona, police_nl)
    few = (
        _queries(verified_client(fiona), "/signals/"),
        _queries(verified_client(cora), "/signals/triage/"),
    )
    for _ in range(9):
        make_signal(fiona, police_nl, acute=True)
    many = (
        _queries(verified_client(fiona), "/signals/"),
        _queries(verified_client(cora), "/signals/triage/"),
    )
    assert many == few


def test_detail_query_count_does_not_grow_with_screenings(fiona: Any, police_nl: Any) -> None:
    from opennrm.intake import services

    signal = make_signal(fiona, police_nl)
    client = verified_client(fiona)
    services.screening_run(
        actor=fiona,
        signal_id=signal.pk,
        catalogue_id="nl-criminal-exploitation-minors",
        observed=["entry-01"],
    )
    one = _queries(client, f"/signals/{signal.pk}/")
    for _ in range(4):
        services.screening_run(
            actor=fiona,
            signal_id=signal.pk,
            catalogue_id="nl-criminal-exploitation-minors",
            observed=["entry-02"],
        )
    assert _queries(client, f"/signals/{signal.pk}/") == one


def test_link_a_registered_person(
    client: Any, fiona: Any, police_nl: Any, alice: Any, shelter_a: Any
) -> None:
    from opennrm.intake import services
    from tests.cases.helpers import make_person

    signal = make_signal(fiona, police_nl)
    mine = services.signal_record(
        actor=fiona,
        organisation_id=police_nl.pk,
        data={"description": "x", "population": "adult"},
        person={"given_names": "Iva", "family_name": "Petrova"},
    ).person
    elsewhere = make_person(alice, shelter_a)
    url = f"/signals/{signal.pk}/person/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"person_id": elsewhere.pk, "version": signal.version})
    assert refused.status_code == 400
    signal.refresh_from_db()
    assert signal.person_id is None
    ok = client.post(url, {"person_id": mine.pk, "version": signal.version})
    assert ok.status_code == 302
    signal.refresh_from_db()
    assert signal.person_id == mine.pk
    stale = client.post(url, {"person_id": mine.pk, "version": 1})
    assert stale.status_code == 409


def test_a_linked_signal_of_another_organisation_shows_only_its_reference(
    client: Any, fiona: Any, police_nl: Any, alice: Any, shelter_a: Any, cora: Any
) -> None:
    from opennrm.intake import services

    mine = make_signal(fiona, police_nl)
    theirs = make_signal(alice, shelter_a, description="Seen at the shelter door")
    services.signal_link(
        actor=cora, signal_id=mine.pk, other_reference=theirs.reference, kind="same_person"
    )
    page = client.get(f"/signals/{mine.pk}/")
    assert page_has(page, theirs.reference)
    assert not page_has(page, f'href="/signals/{theirs.pk}/"')
    assert not page_has(page, "Seen at the shelter door")
    coordinator = verified_client(cora).get(f"/signals/{mine.pk}/")
    assert page_has(coordinator, f'href="/signals/{theirs.pk}/"')


def test_find_a_person_by_name_and_link_from_the_results(
    client: Any, fiona: Any, police_nl: Any, alice: Any, shelter_a: Any
) -> None:
    from opennrm.intake import services
    from tests.cases.helpers import make_person

    signal = make_signal(fiona, police_nl)
    mine = services.signal_record(
        actor=fiona,
        organisation_id=police_nl.pk,
        data={"description": "x", "population": "adult"},
        person={"given_names": "Iva", "family_name": "Petrova"},
    ).person
    make_person(alice, shelter_a, given_names="Iva", family_name="Petrova")  # not fiona's to see
    url = f"/signals/{signal.pk}/person/"
    found = client.post(url, {"action": "find", "name": "petrova"})
    assert found.status_code == 200 and csp_clean(found)
    assert page_has(found, f'name="person_id" value="{mine.pk}"')
    assert found.content.decode().count('name="person_id" value="') == 1
    empty = client.post(url, {"action": "find", "name": "", "date_of_birth": ""})
    assert empty.status_code == 400
    linked = client.post(url, {"person_id": mine.pk, "version": signal.version})
    assert linked.status_code == 302
    signal.refresh_from_db()
    assert signal.person_id == mine.pk
