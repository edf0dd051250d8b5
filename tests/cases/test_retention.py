"""The retention schedule: with a controlled clock, a case closed longer ago than its country's
period is anonymised, one under a legal hold or with open proceedings is not, the statistics do
not change, and running the job again changes nothing (issue #6)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from opennrm.cases import casefiles, casework, retention, statistics, team
from opennrm.cases.models import CaseFile, Person, PersonNameToken
from opennrm.cases.selectors import person_search
from opennrm.core.models import AuditEvent
from opennrm.core.rulefiles import RuleFileError
from opennrm.sharing.models import LegalHold
from tests.cases import world as w

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def world(db: Any) -> w.World:
    return w.build()


@pytest.fixture
def clock(monkeypatch: Any) -> w.Clock:
    return w.Clock(monkeypatch, START)


def _closed_case(world: w.World, *, born: datetime.date, forms: list[str]) -> CaseFile:
    case = w.open_case(world.sara, world.payoke, date_of_birth=born)
    casework.situation_update(
        actor=world.sara, case_id=case.pk, expected_version=0,
        data={"sex": "female", "citizenships": "RO", "exploitation_forms": forms,
              "exploitation_started_on": "2024-06-01", "recruitment_place": "a named street"},
    )  # fmt: skip
    case = casefiles.case_set_identification(
        actor=world.sara, case_id=case.pk, expected_version=case.version, status="identified",
        decided_by_id=world.payoke.pk, decided_on="2026-02-20",
    )  # fmt: skip
    for action, actor, extra in (
        ("advance", world.sara, {}),
        ("request_closure", world.sara, {"reason": "goals_met", "note": "moved in with family"}),
        ("approve_closure", world.cody, {}),
    ):
        case = casefiles.case_step(
            actor=actor, case_id=case.pk, expected_version=case.version, action=action, **extra
        )
    return case


def test_the_schedule_anonymises_what_is_due_keeps_what_is_held_and_the_figures(
    world: w.World, clock: w.Clock
) -> None:
    due = _closed_case(world, born=datetime.date(2008, 5, 1), forms=["sexual"])
    held = _closed_case(world, born=datetime.date(1990, 1, 9), forms=["labour"])
    proceedings = _closed_case(world, born=datetime.date(1999, 12, 31), forms=["labour"])
    team.hold_place(actor=world.sara, case_id=held.pk, reason="appeal pending")
    casework.justice_add(
        actor=world.cody, case_id=proceedings.pk,
        data={"kind": "investigation", "decided_on": "2026-02-25"},
    )  # fmt: skip
    before = list(statistics.registrations())
    figures = statistics.counts(before)
    assert {row["age_at_identification"] for row in before} == {17, 36, 26}

    # The BE schedule keeps closed cases for 10 years (3,653 days here, with three 29 Februaries):
    # on the day itself, nothing happens; the day after, the case is due.
    clock.set(START + datetime.timedelta(days=3653))
    assert retention.run().anonymised == 0
    clock.set(START + datetime.timedelta(days=3654))
    assert retention.run(dry_run=True).anonymised == 1
    assert CaseFile.objects.filter(anonymised_at__isnull=False).count() == 0
    result = retention.run()
    assert (result.anonymised, result.held, result.proceedings) == (1, 1, 1)

    gone = CaseFile.objects.select_related("person").get(pk=due.pk)
    assert gone.anonymised_at is not None and gone.closure_note == ""
    person = Person.objects.get(pk=gone.person_id)
    assert (person.given_names, person.family_name, person.date_of_birth) == ("", "", None)
    assert not PersonNameToken.objects.filter(person=person).exists()
    assert casework.situation_of(gone).recruitment_place == ""
    assert casework.situation_of(gone).birth_year == 2008
    assert (gone.age_at_identification, gone.age_at_exploitation) == (17, 16)
    assert {p.pk for p in person_search(actor=world.sara, name="Test Person")} == {
        held.person_id,
        proceedings.person_id,
    }
    for kept in (held, proceedings):
        kept = CaseFile.objects.select_related("person").get(pk=kept.pk)
        assert kept.anonymised_at is None and kept.person.family_name == "Person"
        assert kept.closure_note == "moved in with family"

    # The statistics are those of before, row for row (the extract holds no identifier).
    after = list(statistics.registrations())
    assert after == before
    assert statistics.counts(after) == figures
    event = AuditEvent.objects.get(action="anonymise")
    assert event.object_id == str(due.pk) and event.detail["person_erased"] is True

    # Idempotent: a second run anonymises nothing more; lifting the hold lets the schedule act.
    assert retention.run().anonymised == 0
    hold = LegalHold.objects.get()
    team.hold_lift(actor=world.sara, case_id=held.pk, hold_id=hold.pk)
    assert retention.run().anonymised == 1
    assert statistics.counts(statistics.registrations()) == figures


def test_a_person_with_another_kept_case_keeps_their_identity(
    world: w.World, clock: w.Clock
) -> None:
    case = _closed_case(world, born=datetime.date(2001, 2, 3), forms=["sexual"])
    casefiles.case_open(actor=world.sara, organisation_id=world.payoke.pk, person_id=case.person_id)
    clock.set(START + datetime.timedelta(days=3700))
    assert retention.run().anonymised == 1
    person = Person.objects.get(pk=case.person_id)
    assert person.family_name == "Person" and person.date_of_birth == datetime.date(2001, 2, 3)
    assert CaseFile.objects.get(pk=case.pk).anonymised_at is not None


def test_a_country_without_a_schedule_keeps_its_cases(world: w.World, clock: w.Clock) -> None:
    assert retention.rule_for("RO").closed_case_years is None
    assert retention.rule_for("BE").closed_case_years == 10
    assert retention.cutoff("RO", START) is None


def test_a_malformed_schedule_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "xx.yaml"
    path.write_text("code: XX\nretention:\n  closed_cases: {years: 0, source: default}\n")
    with pytest.raises(RuleFileError) as raised:
        retention.parse_retention(path)
    assert "years" in str(raised.value) and ":3" in str(raised.value)
    path.write_text("code: XX\nretention:\n  closed_files: {years: 5, source: default}\n")
    with pytest.raises(RuleFileError):
        retention.parse_retention(path)


def test_the_commands_print_counts_and_the_extract_holds_no_identity(
    world: w.World, clock: w.Clock, tmp_path: Path
) -> None:
    _closed_case(world, born=datetime.date(2008, 5, 1), forms=["sexual", "labour"])
    out = io.StringIO()
    call_command("cases_retention", "--dry-run", stdout=out)
    assert out.getvalue().startswith("0 case file(s) would be anonymised")
    target = tmp_path / "extract.csv"
    call_command("cases_extract", "--country", "be", "--out", str(target), stderr=io.StringIO())
    text = target.read_text()
    assert text.splitlines()[0] == ",".join(statistics.COLUMNS)
    assert "Person" not in text and "2008-05-01" not in text and "Test" not in text
    assert ",2008,F,RO,2026-02,identified,sexual;labour,16,17," in text
    assert AuditEvent.objects.filter(action="export", object_type="case_extract").exists()


def test_a_case_without_a_recorded_situation_is_anonymised_and_then_read_only(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(world.sara, world.payoke, date_of_birth=datetime.date(2004, 7, 8))
    for action, actor, extra in (
        ("request_closure", world.sara, {"reason": "goals_met"}),
        ("approve_closure", world.cody, {}),
    ):
        case = casefiles.case_step(
            actor=actor, case_id=case.pk, expected_version=case.version, action=action, **extra
        )
    clock.set(START + datetime.timedelta(days=3700))
    assert retention.run().anonymised == 1
    assert casework.situation_of(case).birth_year == 2004  # kept for the figures
    case = CaseFile.objects.get(pk=case.pk)
    # Nobody reopens or edits an anonymised case: what they typed would never be erased.
    from opennrm.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        casefiles.case_step(
            actor=world.cody, case_id=case.pk, expected_version=case.version, action="reopen"
        )


def test_an_unpaid_claim_keeps_the_case_only_while_it_can_still_be_paid(
    world: w.World, clock: w.Clock
) -> None:
    case = _closed_case(world, born=datetime.date(1995, 1, 1), forms=["labour"])
    casework.compensation_add(actor=world.cody, case_id=case.pk, data={"claimed_on": "2026-02-01"})
    assert retention.open_proceedings(case) == ["compensation"]
    casework.justice_add(
        actor=world.cody, case_id=case.pk, data={"kind": "acquitted", "decided_on": "2026-02-20"}
    )
    assert retention.open_proceedings(case) == []
