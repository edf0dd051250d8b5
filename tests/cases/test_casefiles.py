"""Case files through their services: opening, phases, procedures, deadlines, minors."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from opennrm.cases import casefiles, deadlines, missing, protection
from opennrm.cases.models import CaseTransition, Deadline, DeadlineKind, DeadlineStatus, Phase
from opennrm.core.errors import ConcurrentEditError, InvalidInput
from opennrm.directory.models import Notification
from tests.cases import world as w

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def world(db: Any) -> w.World:
    return w.build()


@pytest.fixture
def clock(monkeypatch: Any) -> w.Clock:
    return w.Clock(monkeypatch, START)


def test_be_statement_on_day_30_gives_the_3_month_permit_and_its_renewal_date(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(world.sara, world.payoke)
    row = protection.procedure_start(
        actor=world.sara, case_id=case.pk, procedure="BE/residence", state="reflection"
    )
    assert (row.state, row.started_on, row.due_on) == (
        "reflection",
        datetime.date(2026, 3, 2),
        datetime.date(2026, 4, 16),
    )
    clock.advance(days=30)
    row = protection.procedure_step(
        actor=world.sara,
        case_id=case.pk,
        procedure_id=row.pk,
        expected_version=row.version,
        transition="statement",
    )
    assert row.state == "permit-3-months"
    assert row.started_on == datetime.date(2026, 4, 1)
    assert row.due_on == datetime.date(2026, 7, 1)
    open_rows = Deadline.objects.filter(case=case, status=DeadlineStatus.OPEN)
    assert [(d.kind, d.due_on, d.remind_on) for d in open_rows] == [
        (DeadlineKind.PROCEDURE, datetime.date(2026, 7, 1), datetime.date(2026, 6, 17))
    ]
    # The reminder fires on its day, once, in the case owner's inbox.
    clock.set(datetime.datetime(2026, 6, 16, 8, tzinfo=datetime.UTC))
    assert deadlines.send_reminders() == 0
    clock.set(datetime.datetime(2026, 6, 17, 8, tzinfo=datetime.UTC))
    assert deadlines.send_reminders() == 1
    assert deadlines.send_reminders() == 0
    assert Notification.objects.filter(user=world.sara, kind="deadline_reminder").count() == 1


def test_nl_minor_reported_missing_notifies_police_and_guardian_at_once(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(
        world.noor, world.fier, date_of_birth=datetime.date(2010, 5, 1), unaccompanied_minor=True
    )
    case = casefiles.case_set_team(
        actor=world.noor,
        case_id=case.pk,
        expected_version=case.version,
        unaccompanied_minor=True,
        guardian_organisation_id=world.nidos.pk,
        guardian_id=world.nina.pk,
        police_organisation_id=world.police_nl.pk,
        police_contact_id=world.pim.pk,
    )
    report = missing.missing_report(
        actor=world.noor,
        case_id=case.pk,
        missing_since=(START - datetime.timedelta(hours=3)).isoformat(),
    )
    assert report.police_notified_at == START and report.guardian_notified_at == START
    assert Notification.objects.filter(user=world.pim, kind="person_missing").count() == 1
    assert Notification.objects.filter(user=world.nina, kind="person_missing").count() == 1
    with pytest.raises(InvalidInput):
        missing.missing_report(actor=world.noor, case_id=case.pk)
    clock.advance(days=2)
    ended = missing.missing_end(
        actor=world.noor, case_id=case.pk, disappearance_id=report.pk, outcome="returned"
    )
    assert ended.ended_at == clock.moment
    assert Notification.objects.filter(user=world.pim, kind="person_found").count() == 1


def test_unaccompanied_minor_needs_a_guardian_or_a_reviewed_reason(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(
        world.sara, world.payoke, date_of_birth=datetime.date(2011, 1, 1), unaccompanied_minor=True
    )
    with pytest.raises(InvalidInput):
        casefiles.case_step(
            actor=world.sara, case_id=case.pk, expected_version=case.version, action="advance"
        )
    case = casefiles.case_no_guardian_reason(
        actor=world.sara,
        case_id=case.pk,
        expected_version=case.version,
        reason="Guardianship Service appointment pending",
    )
    with pytest.raises(InvalidInput):
        casefiles.case_step(
            actor=world.sara, case_id=case.pk, expected_version=case.version, action="advance"
        )
    case = casefiles.case_review_no_guardian(
        actor=world.cody, case_id=case.pk, expected_version=case.version
    )
    case = casefiles.case_step(
        actor=world.sara, case_id=case.pk, expected_version=case.version, action="advance"
    )
    assert case.phase == Phase.ASSISTANCE
    # The 18th birthday and the transition plan 90 days before it.
    rows = {d.kind: d.due_on for d in Deadline.objects.filter(case=case, status="open")}
    assert rows[DeadlineKind.MAJORITY] == datetime.date(2029, 1, 1)
    assert rows[DeadlineKind.TRANSITION_PLAN] == datetime.date(2028, 10, 3)


def test_closure_needs_a_coordinator_and_every_step_is_a_row(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(world.sara, world.payoke)
    case = casefiles.case_step(
        actor=world.sara, case_id=case.pk, expected_version=case.version, action="advance"
    )
    case = casefiles.case_step(
        actor=world.sara,
        case_id=case.pk,
        expected_version=case.version,
        action="request_closure",
        reason="goals_met",
    )
    from opennrm.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        casefiles.case_step(
            actor=world.sara,
            case_id=case.pk,
            expected_version=case.version,
            action="approve_closure",
        )
    case = casefiles.case_step(
        actor=world.cody, case_id=case.pk, expected_version=case.version, action="approve_closure"
    )
    assert case.phase == Phase.CLOSED
    case = casefiles.case_step(
        actor=world.sara, case_id=case.pk, expected_version=case.version, action="reopen"
    )
    assert list(CaseTransition.objects.filter(case=case).values_list("action", "to_phase")) == [
        ("open", "opening"),
        ("advance", "assistance"),
        ("request_closure", "closing"),
        ("approve_closure", "closed"),
        ("reopen", "assistance"),
    ]


def test_a_stale_version_is_a_conflict_and_changes_nothing(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    seen = case.version
    casefiles.case_set_identification(
        actor=world.sam,
        case_id=case.pk,
        expected_version=seen,
        status="presumed",
        decided_by_id=world.police_be.pk,
        decided_on="2026-03-01",
    )
    with pytest.raises(ConcurrentEditError):
        casefiles.case_set_identification(
            actor=world.sara,
            case_id=case.pk,
            expected_version=seen,
            status="identified",
            decided_by_id=world.police_be.pk,
            decided_on="2026-03-02",
        )
    case.refresh_from_db()
    assert case.identification_status == "presumed"
