"""Referrals in a real browser (issue #4, "Done means").

1. An NL teacher's signal about a minor is routed to Veilig Thuis with the reason shown; the
   teacher sends it with the person's consent; Veilig Thuis sees only the categories, accepts from
   its inbox and then sees what was shared; the teacher sees "Accepted" and a notification.
2. A BE police signal about an adult foreign victim proposes the Immigration Office notification
   (Art. 61/2) and the recognised specialised centre of the region.
3. The referral pages pass axe in English, Dutch and French.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from opennrm.intake import services as intake_services
from opennrm.referrals import services
from tests import factories
from tests.browser.conftest import serious_violations
from tests.browser.test_accessibility import sign_in
from tests.browser.test_intake import _sign_in_with_two_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OBSERVED = "Girl of about 14 is collected after school every day by different older men."


def test_teacher_refers_a_minor_to_veilig_thuis_which_accepts(
    live_server: Any, page: Any, chromium: Any
) -> None:
    school = factories.organisation("school", kind="education", country="NL", region="NL-UT")
    veilig = factories.organisation(
        "veilig-thuis", kind="child_protection", country="NL", functions=["veilig-thuis"]
    )
    factories.organisation("centre-nl", kind="coordination_centre", country="NL")
    factories.user("tess", school, "frontline")
    factories.user("vera", veilig, "case_worker")
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

    # The teacher records the signal and asks whom to refer to.
    _sign_in_with_two_factor(page, live_server, "tess")
    page.get_by_role("link", name="Record a signal").first.click()
    page.get_by_label("What did you observe?").fill(OBSERVED)
    page.get_by_label("Is the person an adult or a minor?").select_option("minor")
    page.get_by_label("Age or estimated age").fill("14")
    page.get_by_label("Region").select_option("NL-UT")
    page.get_by_role("button", name="Record the signal").click()
    page.wait_for_url(re.compile(r"/signals/\d+/$"))
    page.get_by_role("link", name="Refer", exact=True).click()
    page.wait_for_url(re.compile(r"/referrals/new/\d+/"))
    proposals = page.locator("#proposals").inner_text()
    assert "Veilig Thuis" in page.locator("#proposals li > strong:first-child").all_inner_texts()
    assert "004:L" in proposals  # the reason, with the line of the source it comes from
    assert serious_violations(page) == []

    page.get_by_label("Veilig Thuis", exact=True).check()
    page.get_by_label("What was observed (free text)").check()
    page.get_by_label("Basis for sharing").select_option("consent")
    page.get_by_label("Consent given on").fill("2026-11-20T10:30")
    page.get_by_label("Language consent was explained in").select_option("nl")
    page.get_by_role("button", name="Send the referral").click()
    page.wait_for_url(re.compile(r"/referrals/\d+/$"))
    reference = re.search(r"R-[A-Z0-9]{8}", page.locator("h1").inner_text())
    assert reference is not None
    assert "Sent" in page.locator("h1").inner_text()
    assert serious_violations(page) == []

    # Veilig Thuis finds it in its inbox, sees only the categories, and accepts.
    recipient = chromium.new_context(locale="en-GB").new_page()
    _sign_in_with_two_factor(recipient, live_server, "vera")
    recipient.get_by_role("link", name=re.compile(r"Inbox \(1 unread\)")).click()
    assert (
        f"New referral {reference.group(0)} from School" in recipient.locator("main").inner_text()
    )
    assert serious_violations(recipient) == []
    recipient.get_by_role("button", name=re.compile("Open")).click()
    recipient.wait_for_url(re.compile(r"/referrals/\d+/$"))
    assert OBSERVED not in recipient.locator("main").inner_text()
    assert serious_violations(recipient) == []
    recipient.get_by_role("button", name="Accept").click()
    recipient.wait_for_url(re.compile(r"/referrals/\d+/$"))
    assert OBSERVED in recipient.locator("#shared-data").inner_text()
    assert "Accepted" in recipient.locator("h1").inner_text()
    recipient.context.close()

    # The teacher sees "accepted" on her referrals and in her inbox.
    page.goto(f"{live_server.url}/referrals/")
    row = page.locator("#sent tbody tr").filter(has_text=reference.group(0))
    assert "Accepted" in row.inner_text()
    assert serious_violations(page) == []
    page.get_by_role("link", name=re.compile(r"Inbox \(1 unread\)")).click()
    assert "was accepted by Veilig Thuis" in page.locator("main").inner_text()
    assert console_errors == []


def test_be_police_signal_proposes_immigration_office_and_regional_centre(
    live_server: Any, page: Any
) -> None:
    police = factories.organisation("police-be", kind="police", country="BE")
    factories.organisation(
        "immigration-office", kind="immigration", country="BE", functions=["immigration-office"]
    )
    factories.organisation(
        "payoke",
        kind="shelter_ngo",
        country="BE",
        region="BE-VLG",
        functions=["specialised-centre"],
    )
    factories.organisation(
        "surya", kind="shelter_ngo", country="BE", region="BE-WAL", functions=["specialised-centre"]
    )
    factories.organisation("centre-be", kind="coordination_centre", country="BE")
    bart = factories.user("bart", police, "frontline")
    signal = intake_services.signal_record(
        actor=bart,
        organisation_id=police.pk,
        data={
            "description": "Worker found in a car wash",
            "population": "adult",
            "region": "BE-VLG",
        },
    )
    sign_in(page, live_server, bart, "en")
    page.goto(f"{live_server.url}/signals/{signal.pk}/")
    page.get_by_role("link", name="Refer", exact=True).click()
    page.get_by_label("Nationality").first.select_option("non_eu")
    page.get_by_role("button", name="Update the proposals").click()
    page.wait_for_url(re.compile(r"nationality=non_eu"))
    names = page.locator("#proposals li > strong:first-child").all_inner_texts()
    assert names == ["Immigration Office", "Payoke"]  # Payoke serves Flanders; not Sürya
    assert "Article 61/2" in page.locator("#proposals").inner_text()  # the reason
    assert serious_violations(page) == []


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_referral_pages_pass_axe(live_server: Any, page: Any, language: str) -> None:
    school = factories.organisation("school", kind="education", country="NL", region="NL-UT")
    veilig = factories.organisation(
        "veilig-thuis", kind="child_protection", country="NL", functions=["veilig-thuis"]
    )
    centre = factories.organisation("centre-nl", kind="coordination_centre", country="NL")
    tess = factories.user("tess", school, "frontline")
    cora = factories.user("cora", centre, "coordinator")
    signal = intake_services.signal_record(
        actor=tess,
        organisation_id=school.pk,
        data={"description": "Observed", "population": "minor", "region": "NL-UT"},
    )
    referral = services.referral_create(
        actor=tess,
        signal_id=signal.pk,
        recipient_organisation_id=veilig.pk,
        data={
            "rule": "social-domain-minor-veilig-thuis",
            "shared": ["description"],
            "consent": {
                "basis": "override",
                "ground": "minor_at_risk",
                "explanation": "Parents cannot be reached tonight.",
            },
        },
        send=True,
    )
    sign_in(page, live_server, cora, language)
    for path in (
        "/referrals/",
        "/referrals/overview/",
        f"/referrals/{referral.pk}/",
        f"/referrals/new/{signal.pk}/",
        "/directory/inbox/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == [], path
