"""Intake in a real browser: a professional signs in, records a signal for a 15-year-old, screens
it with the source-004 indicators and reads "strong signs" with the indicators explained; a member
of the public reports without signing in and the report reaches the coordinator's queue.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from tests.browser.conftest import serious_violations
from tests.browser.test_accessibility import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Any:
    from django.core.cache import cache

    cache.clear()  # the public form's rate limit counts per address: every test is 127.0.0.1
    yield
    cache.clear()


INDICATORS = [
    "Operates together with adults and/or minors, in ever-changing compositions",
    "Is instructed by others at or around the crime scene",
    "Has to hand over a disproportionate proportion of illegal earnings",
]


def _sign_in_with_two_factor(page: Any, live_server: Any, username: str) -> None:
    user = factories.User.objects.get(username=username)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/account/two-factor/verify/"))
    code = f"{totp(device.bin_key, step=30, t0=0, digits=6, drift=0):06d}"
    page.get_by_label(re.compile("code", re.I)).first.fill(code)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")


def test_professional_screens_a_minor_and_sees_strong_signs(live_server: Any, page: Any) -> None:
    police = factories.organisation("police-nl", kind="police", country="NL")
    factories.user("fiona", police, "frontline")
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    _sign_in_with_two_factor(page, live_server, "fiona")

    page.get_by_role("link", name="Record a signal").first.click()
    page.wait_for_url(re.compile(r"/signals/new/"))
    assert serious_violations(page) == []
    page.get_by_label("What did you observe?").fill(
        "Girl of about 15 stealing at the station; two adults give her instructions."
    )
    page.get_by_label("Is the person an adult or a minor?").select_option("minor")
    page.get_by_label("Age or estimated age").fill("15")
    page.get_by_label("Forced criminal activities").check()
    page.get_by_label("Barrier").select_option("employment")
    page.get_by_label("Region").select_option("NL-UT")
    page.get_by_role("button", name="Record the signal").click()
    page.wait_for_url(re.compile(r"/signals/\d+/$"))
    assert "15 years" in page.locator("main").inner_text()
    assert serious_violations(page) == []

    page.get_by_role("link", name="Screen with indicators").click()
    page.get_by_role("link", name=re.compile("criminal exploitation of", re.I)).first.click()
    page.wait_for_url(re.compile(r"/screen/nl-criminal-exploitation-minors/"))
    assert serious_violations(page) == []
    for text in INDICATORS:
        page.get_by_label(text, exact=False).check()
    page.get_by_role("button", name="Screen").click()
    page.wait_for_url(re.compile(r"/screenings/\d+/"))

    assert page.locator("#screening-level").inner_text().strip().lower() == "strong signs"
    rows = page.locator("#contributions tbody tr")
    assert rows.count() == 3
    explained = page.locator("#contributions").inner_text()
    for text in INDICATORS:
        assert text in explained
    main = page.locator("main").inner_text()
    assert "3 indicators were observed, worth 3 points in total." in main
    assert "What to do next" in main
    assert serious_violations(page) == []
    assert console_errors == []


def test_public_report_reaches_the_coordinators_queue(
    live_server: Any, page: Any, chromium: Any
) -> None:
    factories.organisation("centre-nl", kind="coordination_centre", country="NL")
    centre = factories.Organisation.objects.get(slug="centre-nl")
    cora = factories.user("cora", centre, "coordinator")

    public = chromium.new_context(locale="ro-RO")
    reporter = public.new_page()
    reporter.goto(f"{live_server.url}/report/")
    assert reporter.locator("html").get_attribute("lang") == "ro"
    assert serious_violations(reporter) == []
    reporter.locator("#id_what").fill(
        "Doi băieți cerșesc în fiecare zi la gară și dau banii unui bărbat."
    )
    reporter.locator("#id_where").fill("Gara Utrecht")
    reporter.locator("#id_minor").select_option("yes")
    reporter.locator("#id_country").select_option("NL")
    reporter.locator("form#form button[type=submit]").click()
    reporter.locator("#reference-code").wait_for()
    assert re.fullmatch(
        r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", reporter.locator("#reference-code").inner_text()
    )
    assert serious_violations(reporter) == []
    public.close()

    sign_in(page, live_server, cora, "en")
    page.goto(f"{live_server.url}/signals/triage/")
    queue = page.locator("#queue")
    assert "Public report" in queue.inner_text()
    assert serious_violations(page) == []
    queue.get_by_role("link").first.click()
    assert "Doi băieți" in page.locator("main").inner_text()


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_intake_pages_pass_axe(live_server: Any, page: Any, language: str) -> None:
    from opennrm.intake import services

    police = factories.organisation("police-nl", kind="police", country="NL")
    centre = factories.organisation("centre-nl", kind="coordination_centre", country="NL")
    fiona = factories.user("fiona", police, "frontline")
    cora = factories.user("cora", centre, "coordinator")
    signal = services.signal_record(
        actor=fiona,
        organisation_id=police.pk,
        data={"description": "Seen at the station", "population": "minor", "estimated_age": 15},
    )
    screening = services.screening_run(
        actor=fiona,
        signal_id=signal.pk,
        catalogue_id="nl-criminal-exploitation-minors",
        observed=["employment-03", "employment-07", "finance-02"],
    )
    sign_in(page, live_server, cora, language)
    paths = [
        "/signals/",
        "/signals/new/",
        "/signals/triage/",
        "/signals/catalogues/",
        "/signals/catalogues/adult-labour-exploitation/v1/",
        f"/signals/{signal.pk}/",
        f"/signals/{signal.pk}/edit/",
        f"/signals/{signal.pk}/screen/",
        f"/signals/{signal.pk}/screen/nl-criminal-exploitation-minors/",
        f"/signals/{signal.pk}/screenings/{screening.pk}/",
        f"/signals/{signal.pk}/first-contact/?language=ar",
        f"/signals/{signal.pk}/link/",
        f"/signals/{signal.pk}/person/",
        "/referrals/whom/",
        "/referrals/whom/?country=NL&referrer_kind=education&population=minor&region=NL-UT",
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


@pytest.mark.parametrize("language", ["en", "nl", "fr", "ro", "bg"])
def test_public_pages_pass_axe_and_work_by_keyboard(
    live_server: Any, chromium: Any, language: str
) -> None:
    factories.organisation("centre-nl", kind="coordination_centre", country="NL")
    factories.organisation("centre-be", kind="coordination_centre", country="BE")
    context = chromium.new_context(locale=language)
    page = context.new_page()
    for path in ("/report/", "/report/add/"):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == [], path
    page.goto(f"{live_server.url}/report/")
    # Keyboard only: the first Tab reaches the skip link, then the form fields in order.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == "what":
            break
    else:
        raise AssertionError("the report field is not reachable by keyboard")
    page.keyboard.type("Children begging at the market every day")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == "country":
            break
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") != "website"  # the honeypot is skipped
    page.keyboard.press("Enter")
    page.locator("#reference-code").wait_for()
    assert serious_violations(page) == []
    context.close()
