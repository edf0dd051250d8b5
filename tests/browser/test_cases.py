"""Case files in a real browser (issue #5, "Done means").

1. A BE case worker opens a case, starts the residence procedure, records a statement on day 30
   and sees the 3-month permit's renewal date; with a controlled clock, the reminder reaches her
   inbox 14 days before it.
2. An NL unaccompanied minor is reported missing: the police contact and the guardian are
   notified within that same request, and the case shows how long notification took.
3. The case pages pass axe in English, Dutch and French.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.management import call_command

from opennrm.cases import casefiles, protection
from opennrm.directory.models import Notification
from tests.browser.conftest import serious_violations
from tests.browser.test_accessibility import sign_in
from tests.cases import world as w

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def test_be_statement_on_day_30_shows_the_renewal_date_and_the_reminder_fires(
    live_server: Any, page: Any, monkeypatch: Any
) -> None:
    world = w.build()
    clock = w.Clock(monkeypatch, START)
    sign_in(page, live_server, world.sara, "en")

    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Given names").fill("Test")
    page.get_by_label("Family name").fill("Person")
    page.get_by_role("button", name="Open the case file").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case_url = page.url
    assert page.locator("#phase").inner_text() == "Opening"

    page.get_by_text("Start a protection procedure").click()
    page.get_by_label("Procedure and first state").select_option("BE/residence|reflection")
    page.get_by_role("button", name="Start the procedure").click()
    assert "Reflection period" in page.locator("#procedure-state").inner_text()
    assert page.locator("#procedure-due").inner_text().startswith("April 16, 2026")

    clock.advance(days=30)  # day 30: the person makes a statement
    page.goto(case_url)
    page.get_by_label("What happened").select_option("statement")
    page.get_by_role("button", name="Record this step").click()
    assert "3-month residence permit" in page.locator("#procedure-state").inner_text()
    assert page.locator("#procedure-due").inner_text().startswith("July 1, 2026")
    assert "Renewal date" in page.locator("#procedure").locator("xpath=..").inner_text()
    assert "Reminder on June 17, 2026" in page.locator("#deadline-table").inner_text()

    clock.set(datetime.datetime(2026, 6, 16, 8, tzinfo=datetime.UTC))
    call_command("cases_remind", stdout=open("/dev/null", "w"))  # noqa: SIM115
    page.goto(f"{live_server.url}/directory/inbox/")
    assert "coming up" not in page.locator("main").inner_text()
    clock.set(datetime.datetime(2026, 6, 17, 8, tzinfo=datetime.UTC))
    call_command("cases_remind", stdout=open("/dev/null", "w"))  # noqa: SIM115
    page.goto(f"{live_server.url}/directory/inbox/")
    assert "coming up" in page.locator("main").inner_text()
    assert page.get_by_role("link", name=re.compile(r"Inbox \(1 unread\)")).count() == 1
    assert serious_violations(page) == []


def test_nl_minor_reported_missing_notifies_police_and_guardian_in_the_same_request(
    live_server: Any, page: Any, monkeypatch: Any
) -> None:
    world = w.build()
    w.Clock(monkeypatch, START)
    case = w.open_case(
        world.noor, world.fier, date_of_birth=datetime.date(2010, 5, 1), unaccompanied_minor=True
    )
    casefiles.case_set_team(
        actor=world.noor, case_id=case.pk, expected_version=case.version,
        unaccompanied_minor=True, guardian_organisation_id=world.nidos.pk,
        guardian_id=world.nina.pk, police_organisation_id=world.police_nl.pk,
        police_contact_id=world.pim.pk,
    )  # fmt: skip
    sign_in(page, live_server, world.noor, "en")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_text("Report missing", exact=True).click()
    page.get_by_label("Missing since").fill("2026-03-02T07:00")
    page.get_by_label("Circumstances").fill("Did not come back from school.")
    page.get_by_role("button", name="Report missing now").click()
    page.wait_for_url(re.compile(r"/cases/\d+/#missing$"))
    # Both inboxes were written by the request that recorded the report.
    assert Notification.objects.filter(user=world.pim, kind="person_missing").count() == 1
    assert Notification.objects.filter(user=world.nina, kind="person_missing").count() == 1
    assert page.locator("#missing-banner").is_visible()
    row = page.locator("#disappearances tbody tr").first.inner_text()
    assert "3 hours" in row  # last seen 07:00 Amsterdam time, notified 09:00 UTC (10:00 there)
    assert serious_violations(page) == []

    # The guardian sees the alert in her inbox and can open the case file.
    sign_in(page, live_server, world.nina, "en")
    page.goto(f"{live_server.url}/directory/inbox/")
    assert case.reference in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert page.locator("#missing-banner").is_visible()


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_case_pages_pass_axe(live_server: Any, page: Any, monkeypatch: Any, language: str) -> None:
    world = w.build()
    w.Clock(monkeypatch, START)
    case = w.open_case(
        world.sara, world.payoke, date_of_birth=datetime.date(2011, 1, 1), unaccompanied_minor=True
    )
    protection.procedure_start(
        actor=world.sara, case_id=case.pk, procedure="BE/residence", state="reflection"
    )
    sign_in(page, live_server, world.sara, language)
    for path in ("/cases/", f"/cases/{case.pk}/", "/cases/deadlines/", "/cases/new/",
                 "/cases/deadlines/?scope=organisation"):  # fmt: skip
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == [], path
