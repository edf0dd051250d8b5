"""Sharing a case file in a real browser (issue #6, "Done means").

Sharing with another organisation without a legal basis is refused with a clear reason, and so is
sharing a category the covenant does not cover; with a covenant covering the categories it
succeeds, and the recipient sees only those categories. The team and emergency pages pass axe.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from opennrm.cases import casework
from opennrm.sharing import services as sharing
from tests.browser.conftest import serious_violations
from tests.browser.test_accessibility import sign_in
from tests.cases import world as w

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def test_sharing_needs_a_covering_basis_and_the_recipient_sees_only_what_is_shared(
    live_server: Any, page: Any, monkeypatch: Any
) -> None:
    world = w.build()
    w.Clock(monkeypatch, START)
    case = w.open_case(world.sara, world.payoke)
    casework.service_add(
        actor=world.sara, case_id=case.pk, data={"kind": "education", "status": "active"}
    )
    casework.service_add(
        actor=world.sara, case_id=case.pk, data={"kind": "psychological", "status": "active"}
    )
    casework.justice_add(
        actor=world.sara, case_id=case.pk, data={"kind": "charged", "decided_on": "2026-02-01"}
    )
    sharing.legal_basis_create(
        actor=world.cody, jurisdiction="BE", kind="covenant", title="Aftercare covenant Antwerp",
        reference="Covenant 2026/4", purpose="Aftercare after the shelter",
        categories=["services", "notes"], party_ids=[world.payoke.pk, world.other_be.pk],
        valid_from="2026-01-01", valid_until="2027-12-31",
    )  # fmt: skip

    sign_in(page, live_server, world.sara, "en")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_role("link", name="Team and sharing").click()
    page.get_by_text("Share the case with another organisation").click()
    page.get_by_label("Organisation", exact=True).select_option(label="Other Be")
    page.get_by_label("Role in the team").select_option("care")
    page.get_by_label("Services and shelter").check()
    page.get_by_label("Purpose").fill("Aftercare")
    page.get_by_label("Until").fill("2026-09-01")
    page.get_by_role("button", name="Share", exact=True).click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Name the legal basis for sharing" in summary
    assert page.locator("#members-table").count() == 0

    page.get_by_label("Legal basis").select_option(label="Aftercare covenant Antwerp")
    page.get_by_label("Health and psychological data").check()
    page.get_by_role("button", name="Share", exact=True).click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "does not cover: Health and psychological data" in summary
    assert serious_violations(page) == []

    page.get_by_label("Health and psychological data").uncheck()
    page.get_by_role("button", name="Share", exact=True).click()
    assert "The case is shared" in page.locator("main").inner_text()
    assert "Aftercare covenant Antwerp" in page.locator("#members-table").inner_text()
    assert serious_violations(page) == []

    # The recipient: the case is in their list, with services only (no health, no justice, no
    # procedure, no name).
    page.context.clear_cookies()
    sign_in(page, live_server, world.otto, "en")
    page.goto(f"{live_server.url}/cases/")
    page.get_by_role("link", name=case.reference).click()
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    main = page.locator("main").inner_text()
    assert "Education" in main and "Psychological support" not in main
    assert "Registered by the lead organisation" in main
    assert "Charged" not in main
    procedure = page.locator("#procedure").locator("xpath=following-sibling::*[1]").inner_text()
    assert "Not shared with you" in procedure
    assert serious_violations(page) == []
    page.goto(f"{live_server.url}/cases/{case.pk}/sharing/")
    assert "Services and shelter" in page.locator("#my-categories").inner_text()
    assert "Share the case" not in page.locator("main").inner_text()


def test_the_emergency_page_passes_axe_and_refuses_a_short_reason(
    live_server: Any, page: Any, monkeypatch: Any
) -> None:
    world = w.build()
    w.Clock(monkeypatch, START)
    case = w.open_case(world.sara, world.payoke)
    sign_in(page, live_server, world.cody, "nl")
    page.goto(f"{live_server.url}/cases/emergency/")
    page.locator("#id_reference").fill(case.reference)
    page.locator("#id_reason").fill("urgent")
    page.locator("#emergency-submit").click()
    assert page.locator(".govuk-error-summary").count() == 1
    assert serious_violations(page) == []
