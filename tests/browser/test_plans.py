"""Action plans in a real browser (issue #8, "Done means"): a coordinator marks a Belgian measure
done with evidence, and the plan's report PDF shows it (rendered to PNG with pdftoppm, its text
read with pdftotext). The plan pages pass axe in English, Dutch and French."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from opennrm.plans import services
from opennrm.plans.models import Plan
from tests import factories
from tests.browser.conftest import serious_violations
from tests.browser.test_accessibility import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EVIDENCE = "https://www.example.org/moniteur/2013-04-01-thb-law"


NO_POPPLER = shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None


@pytest.mark.skipif(NO_POPPLER, reason="poppler-utils not installed (.ci/run installs it)")
def test_a_coordinator_marks_a_measure_done_and_the_report_pdf_shows_it(
    live_server: Any, page: Any, tmp_path: Path
) -> None:
    services.import_shipped()
    centre = factories.organisation("be-centre", kind="coordination_centre", country="BE")
    cody = factories.user("cody", centre, "coordinator")
    plan = Plan.objects.get(country="BE")
    measure = plan.measures.get(number="1")
    sign_in(page, live_server, cody, "en")

    page.goto(f"{live_server.url}/plans/{plan.code}/")
    page.get_by_role("link", name="1", exact=True).first.click()
    page.get_by_label("Status").select_option("done")
    page.get_by_label("What happened").fill("Law adapted to the Directive; published 1 April 2013.")
    page.get_by_label("Evidence (link)").fill(EVIDENCE)
    page.get_by_role("button", name="Save the progress").click()
    page.wait_for_url(f"**/plans/measures/{measure.pk}/")
    assert page.locator("#status").inner_text() == "Done"
    assert serious_violations(page) == []

    response = page.request.get(f"{live_server.url}/plans/{plan.code}/report.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(
        [
            str(shutil.which("pdftoppm")),
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "page-1.png").stat().st_size > 1000  # the first page renders
    text = subprocess.run(
        [str(shutil.which("pdftotext")), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    flat = " ".join(text.split())
    assert "1. Done" in flat
    assert "Law adapted to the Directive" in flat and "moniteur" in flat


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_plan_pages_pass_axe(live_server: Any, page: Any, language: str) -> None:
    services.import_shipped()
    centre = factories.organisation("be-centre", kind="coordination_centre", country="BE")
    cody = factories.user("cody", centre, "coordinator")
    plan = Plan.objects.get(country="BE")
    sign_in(page, live_server, cody, language)
    for path in (
        "/plans/",
        f"/plans/{plan.code}/",
        f"/plans/{plan.code}/report/",
        f"/plans/measures/{plan.measures.first().pk}/",
        "/plans/import/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert serious_violations(page) == [], path
