"""Action plans: the shipped plans, deadlines, import all-or-nothing, progress, the dashboard in
2013, reminders once, the report and the export, and who may do what."""

from __future__ import annotations

import datetime
import io
import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from opennrm.core import clock
from opennrm.core.errors import ConcurrentEditError, InvalidInput, PermissionDeniedError
from opennrm.directory.models import Notification
from opennrm.plans import planfiles, selectors, services
from opennrm.plans.models import Measure, MeasureComment, Plan, ProgressUpdate
from tests import factories
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db
D = datetime.date
DATA = Path(__file__).resolve().parents[2] / "src" / "opennrm" / "plans" / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "sources"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"


def source_lines(name: str) -> list[str]:
    """The lines of a source document: the shared copy where it exists (and then the fixture
    must be identical to it), else the fixture copied into the repository for CI."""
    fixture = (FIXTURES / name).read_bytes()
    if (SHARED / name).exists():
        assert (SHARED / name).read_bytes() == fixture, (
            f"tests/plans/fixtures/sources/{name} is stale"
        )
    return fixture.decode("utf-8").splitlines()


@pytest.fixture
def shipped(db: Any) -> dict[str, Plan]:
    services.import_shipped()
    return {plan.country: plan for plan in Plan.objects.all()}


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    centre = factories.organisation("be-centre", kind="coordination_centre", country="BE")
    justice = factories.organisation("be-justice", kind="prosecution", country="BE")
    other = factories.organisation("be-other", kind="shelter_ngo", country="BE")
    nl_centre = factories.organisation("nl-centre", kind="coordination_centre", country="NL")
    return {
        "centre": centre,
        "justice": justice,
        "cody": factories.user("cody", centre, "coordinator"),
        "jan": factories.user("jan", justice, "prosecutor"),
        "otto": factories.user("otto", other, "case_worker"),
        "nora": factories.user("nora", nl_centre, "coordinator"),
        "anna": factories.user("anna", other, "analyst"),
    }


def _at(monkeypatch: Any, moment: datetime.datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment)


# --- the shipped plans -------------------------------------------------------------------------


def test_the_shipped_plans_load_with_their_measures(shipped: dict[str, Plan]) -> None:
    be, nl = shipped["BE"], shipped["NL"]
    assert be.measures.count() == 26
    assert sorted({m.number.split(".")[0] for m in be.measures.all()}, key=int) == [
        str(n) for n in range(1, 20)
    ]
    assert nl.measures.count() == 67 and len(nl.themes) == 11
    assert services.import_shipped() == []  # idempotent


def test_belgian_samples_match_their_source_lines(shipped: dict[str, Plan]) -> None:
    lines = source_lines("003_c587f768d7dab38f.txt")
    be = shipped["BE"]
    # Proposal 13: the computerised victim files, CEOOR with the centres, 2012/2013.
    m13 = be.measures.get(number="13")
    assert (m13.lead_body, m13.deadline_text, m13.due_on) == ("CEOOR", "2012/2013", D(2013, 12, 31))
    assert m13.lead_as_printed.startswith("CEOOR +")
    m1 = be.measures.get(number="1")
    assert (m1.lead_body, m1.deadline_text, m1.due_on) == (
        "Directorate-General for Legislation, FPS Justice",
        "01/04/2013",
        D(2013, 4, 1),
    )
    m52 = be.measures.get(number="5.2")
    assert (m52.deadline_text, m52.due_on) == ("June 2014", D(2014, 6, 30))
    for measure in (m13, m1, m52):  # each cites the table line that holds its body and deadline
        line = int(measure.source.split(":L")[1].split("-")[0])
        assert measure.deadline_text in lines[line - 1]
        assert measure.lead_body in lines[line - 1]


def test_dutch_samples_match_their_source_lines(shipped: dict[str, Plan]) -> None:
    lines = source_lines("000_bf0126f23b3e99d5.txt")
    nl = shipped["NL"]
    for number, deadline, due in (
        ("3.3", "1 July 2012", D(2012, 7, 1)),
        ("5.2", "3rd quarter 2011", D(2011, 9, 30)),
        ("8.3", "second half of 2011/first half of 2012", D(2012, 6, 30)),
        ("1.4", "continuous", None),
    ):
        measure = nl.measures.get(number=number)
        assert (measure.deadline_text, measure.due_on) == (deadline, due)
        first, _sep, last = measure.source.split(":L")[1].partition("-L")
        text = " ".join(lines[int(first) - 1 : int(last or first)])
        assert deadline in " ".join(text.split())


# --- deadlines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "kind", "due"),
    [
        ("", "none", None),
        ("01/04/2013", "date", D(2013, 4, 1)),
        ("01/12/13", "date", D(2013, 12, 1)),
        ("31/12/2012 (2014)", "date", D(2012, 12, 31)),
        ("1 July 2012", "date", D(2012, 7, 1)),
        ("June 2014", "month", D(2014, 6, 30)),
        ("May/June 2012", "month", D(2012, 6, 30)),
        ("February 2012", "month", D(2012, 2, 29)),
        ("3rd quarter 2011", "quarter", D(2011, 9, 30)),
        ("Q1 2013", "quarter", D(2013, 3, 31)),
        ("first half of 2012", "half", D(2012, 6, 30)),
        ("second half of 2011, first half of 2012", "half", D(2012, 6, 30)),
        ("spring of 2012", "season", D(2012, 5, 31)),
        ("winter of 2011", "season", D(2012, 2, 29)),
        ("2012", "year", D(2012, 12, 31)),
        ("end of 2013", "year", D(2013, 12, 31)),
        ("2012/2013", "period", D(2013, 12, 31)),
        ("2011-2012", "period", D(2012, 12, 31)),
        ("2011 and 2012", "period", D(2012, 12, 31)),
        ("continuous", "continuous", None),
        ("2011 and the years following", "continuous", None),
        ("depending on the new Act", "conditional", None),
    ],
)
def test_deadlines_are_kept_as_printed_and_normalised(printed: str, kind: str, due: Any) -> None:
    assert planfiles.normalise_deadline(printed) == (kind, due)


@pytest.mark.parametrize("printed", ["soon", "31/02/2013", "2014/2012", "the 5th"])
def test_an_unreadable_deadline_is_refused(printed: str) -> None:
    with pytest.raises(ValueError):
        planfiles.normalise_deadline(printed)


# --- import all-or-nothing ---------------------------------------------------------------------

GOOD = """schema: opennrm.plan/1
code: xx-test
country: BE
title: "Test plan"
period: {from: 2012, to: 2014}
owner: "Unit"
themes: [{code: a, name: "A"}]
measures:
  - {number: "1", theme: a, text: "First", lead: "FPS Justice", deadline: "2012"}
  - {number: "2", theme: a, text: "Second", lead: "Unit", deadline: "June 2013", depends_on: ["1"]}
"""


def test_an_import_with_a_bad_row_changes_nothing_and_names_row_and_problem(world: Any) -> None:
    bad = GOOD.replace('deadline: "June 2013"', 'deadline: "whenever"').replace(
        'theme: a, text: "First"', 'theme: b, text: "First"'
    )
    with pytest.raises(planfiles.PlanFileError) as error:
        services.plan_import(actor=world["cody"], content=bad, name="plan.yaml")
    problems = {(e.row, e.field) for e in error.value.errors}
    assert problems == {(1, "theme"), (2, "deadline")}
    assert not Plan.objects.exists() and not Measure.objects.exists()
    plan = services.plan_import(actor=world["cody"], content=GOOD, name="plan.yaml")
    assert [m.number for m in plan.measures.all()] == ["1", "2"]
    assert list(plan.measures.get(number="2").depends_on.values_list("number", flat=True)) == ["1"]
    with pytest.raises(planfiles.PlanFileError):  # the same code twice
        services.plan_import(actor=world["cody"], content=GOOD, name="plan.yaml")


def test_csv_import_and_the_command(world: Any, tmp_path: Path) -> None:
    header = ",".join(planfiles.CSV_COLUMNS)
    row = "xx-csv,BE,Plan,2012,2014,Unit,a,{n},Text {n},Body,,,{d},,"
    path = tmp_path / "plan.csv"
    path.write_text("\n".join([header, row.format(n=1, d="2012"), row.format(n=1, d="x")]))
    out, err = StringIO(), StringIO()
    with pytest.raises(Exception, match="nothing was imported"):
        call_command("plans_import", str(path), stdout=out, stderr=err)
    assert "row 2, number" in err.getvalue() and "row 2, deadline" in err.getvalue()
    assert not Plan.objects.exists()
    path.write_text("\n".join([header, row.format(n=1, d="2012"), row.format(n=2, d="2013")]))
    call_command("plans_import", str(path), stdout=out, stderr=err)
    assert "plan xx-csv imported: 2 measures" in out.getvalue()


def test_only_coordinators_of_the_country_import(world: Any) -> None:
    for user in (world["nora"], world["jan"], world["otto"]):
        with pytest.raises(PermissionDeniedError):
            services.plan_import(actor=user, content=GOOD, name="plan.yaml")
    assert not Plan.objects.exists()


# --- progress, comments, links -----------------------------------------------------------------


def test_progress_by_the_linked_lead_and_coordinators_comments_by_all(
    world: Any, shipped: dict[str, Plan]
) -> None:
    measure = shipped["BE"].measures.get(number="1")
    with pytest.raises(PermissionDeniedError):  # not linked yet: only coordinators
        services.progress_report(
            actor=world["jan"], measure_id=measure.pk, expected_version=1, status="in_progress"
        )
    measure = services.measure_link(
        actor=world["cody"],
        measure_id=measure.pk,
        expected_version=1,
        organisation_id=world["justice"].pk,
    )
    with pytest.raises(PermissionDeniedError):
        services.measure_link(
            actor=world["jan"],
            measure_id=measure.pk,
            expected_version=measure.version,
            organisation_id="",
        )
    services.progress_report(
        actor=world["jan"],
        measure_id=measure.pk,
        expected_version=measure.version,
        status="in_progress",
        narrative="Draft bill sent to the Council of State.",
    )
    with pytest.raises(ConcurrentEditError):
        services.progress_report(
            actor=world["jan"],
            measure_id=measure.pk,
            expected_version=measure.version,
            status="done",
            narrative="x",
        )
    measure.refresh_from_db()
    with pytest.raises(InvalidInput) as error:  # done needs what was done or evidence
        services.progress_report(
            actor=world["jan"],
            measure_id=measure.pk,
            expected_version=measure.version,
            status="done",
        )
    assert "narrative" in error.value.errors
    with pytest.raises(InvalidInput):
        services.progress_report(
            actor=world["jan"],
            measure_id=measure.pk,
            expected_version=measure.version,
            status="done",
            evidence_url="javascript:alert(1)",
        )
    with pytest.raises(PermissionDeniedError):
        services.progress_report(
            actor=world["otto"],
            measure_id=measure.pk,
            expected_version=measure.version,
            status="done",
            narrative="not mine",
        )
    services.comment_add(actor=world["otto"], measure_id=measure.pk, text="We can help.")
    assert MeasureComment.objects.count() == 1
    assert ProgressUpdate.objects.count() == 1
    assert Measure.objects.get(pk=measure.pk).status == "in_progress"


# --- the dashboard in 2013 and the reminders ---------------------------------------------------


def test_in_2013_the_dashboard_shows_the_overdue_belgian_measures(
    world: Any, shipped: dict[str, Plan], monkeypatch: Any
) -> None:
    _at(monkeypatch, datetime.datetime(2013, 5, 15, 9, tzinfo=datetime.UTC))
    be = shipped["BE"]
    done = be.measures.get(number="2")
    services.progress_report(
        actor=world["cody"],
        measure_id=done.pk,
        expected_version=1,
        status="done",
        narrative="Adopted.",
    )
    board = selectors.dashboard(actor=world["otto"], plan=be)
    overdue = [m.number for m in board.overdue]
    # Due before 15 May 2013 and still open: 1 (1 April 2013), 4.1, 8, 12, 15.4 (31 Dec 2012);
    # 2 (31 Dec 2012) is done.
    assert overdue == ["4.1", "8", "12", "15.4", "1"]
    assert board.due_soon == []  # nothing due between 15 May and 14 June 2013
    assert dict((code, count) for code, _l, count in board.by_status)["done"] == 1


def test_the_reminder_job_sends_each_reminder_once(
    world: Any, shipped: dict[str, Plan], monkeypatch: Any
) -> None:
    be = shipped["BE"]
    Measure.objects.filter(plan__country="NL").update(status="dropped")
    measure = be.measures.get(number="1")
    services.measure_link(
        actor=world["cody"],
        measure_id=measure.pk,
        expected_version=1,
        organisation_id=world["justice"].pk,
    )
    _at(monkeypatch, datetime.datetime(2013, 3, 10, 9, tzinfo=datetime.UTC))
    first = services.send_reminders()
    assert services.send_reminders() == 0
    # Measure 1 (1 April 2013) is due soon: its lead organisation's user is told, once.
    assert Notification.objects.filter(user=world["jan"], kind="measure_due_soon").count() == 1
    # The five measures already overdue and unlinked go to the country's coordinators.
    assert Notification.objects.filter(user=world["cody"], kind="measure_overdue").count() == 5
    assert first == 6
    _at(monkeypatch, datetime.datetime(2013, 4, 2, 9, tzinfo=datetime.UTC))
    assert services.send_reminders() == 1  # now measure 1 is overdue: once more
    assert services.send_reminders() == 0
    assert Notification.objects.filter(user=world["jan"], kind="measure_overdue").count() == 1
    assert Notification.objects.filter(user=world["nora"]).count() == 0  # another country
    out = StringIO()
    call_command("plans_remind", stdout=out)
    assert out.getvalue().strip() == "0 measure reminder(s) sent"


# --- pages, report, export ---------------------------------------------------------------------


def test_pages_report_and_export(world: Any, shipped: dict[str, Plan], monkeypatch: Any) -> None:
    _at(monkeypatch, datetime.datetime(2013, 5, 15, 9, tzinfo=datetime.UTC))
    be = shipped["BE"]
    client = verified_client(world["cody"])
    for url in (
        "/plans/",
        f"/plans/{be.code}/",
        f"/plans/{be.code}/?status=not_started",
        f"/plans/{be.code}/report/",
        "/plans/import/",
        f"/plans/measures/{be.measures.get(number='13').pk}/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/plans/{be.code}/").content.decode()
    assert "Overdue (6)" in page  # 1, 2, 4.1, 8, 12 and 15.4
    pdf = client.get(f"/plans/{be.code}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    xlsx = client.get(f"/plans/{be.code}/export.xlsx")
    sheet = zipfile.ZipFile(io.BytesIO(xlsx.content)).read("xl/sharedStrings.xml").decode()
    assert "CEOOR" in sheet and "2012/2013" in sheet
    assert Client().get("/plans/").status_code == 302  # signed out: to the login page
    assert verified_client(world["otto"]).get("/plans/import/").status_code == 404


def test_the_import_page_lists_every_bad_row(world: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = verified_client(world["cody"])
    bad = GOOD.replace('deadline: "2012"', 'deadline: "someday"')
    response = client.post("/plans/import/", {"file": SimpleUploadedFile("p.yaml", bad.encode())})
    assert response.status_code == 400
    body = response.content.decode()
    assert "cannot read this deadline" in body and "import-errors" in body
    assert not Plan.objects.exists()
    response = client.post("/plans/import/", {"file": SimpleUploadedFile("p.yaml", GOOD.encode())})
    assert response.status_code == 302 and Plan.objects.get().code == "xx-test"


def test_list_items_keep_their_lines_and_measures_without_a_body_can_be_filtered(
    world: Any, shipped: dict[str, Plan]
) -> None:
    be, nl = shipped["BE"], shipped["NL"]
    assert "\n" in be.measures.get(number="4.2").text  # the items of the ad-hoc group's list
    no_body = selectors.dashboard(actor=world["otto"], plan=nl, body=selectors.NO_BODY)
    assert len(no_body.measures) == nl.measures.filter(lead_body="").count() > 0
    assert {m.lead_body for m in no_body.measures} == {""}


def test_reading_a_measure_or_the_report_is_audited(world: Any, shipped: dict[str, Plan]) -> None:
    from opennrm.core.models import AuditEvent

    be = shipped["BE"]
    measure = be.measures.get(number="13")
    client = verified_client(world["otto"])
    client.get(f"/plans/measures/{measure.pk}/")
    client.get(f"/plans/{be.code}/report.pdf")
    reads = AuditEvent.objects.filter(action="read", object_type__in=["measure", "plan"])
    assert {(e.object_type, e.detail["view"]) for e in reads} == {
        ("measure", "measure"),
        ("plan", "report:pdf"),
    }
