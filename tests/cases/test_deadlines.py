"""Deadlines of case files (``cases.deadlines``): the 18th birthday and the transition plan, tasks,
the deadline boards, marking done, and the reminder job with its management command.

Dates are computed by hand for the literal dates used; the clock is ``world.Clock``.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from opennrm.cases import casefiles, deadlines, protection, services
from opennrm.cases.case_selectors import my_deadlines, organisation_deadlines
from opennrm.cases.models import Deadline, DeadlineKind, DeadlineStatus, Person, Phase
from opennrm.core.errors import ConcurrentEditError, InvalidInput, NotFoundOrForbidden
from opennrm.directory.models import Notification
from tests.cases import world as w

pytestmark = pytest.mark.django_db
D = datetime.date
UTC = datetime.UTC
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
BIRTHDAYS = (DeadlineKind.MAJORITY, DeadlineKind.TRANSITION_PLAN)


@pytest.fixture
def world(db: Any) -> w.World:
    return w.build()


@pytest.fixture
def clock(monkeypatch: Any) -> w.Clock:
    return w.Clock(monkeypatch, START)


def birthday_rows(case: Any, status: str = DeadlineStatus.OPEN) -> dict[str, tuple[D, D | None]]:
    rows = Deadline.objects.filter(case=case, kind__in=BIRTHDAYS, status=status)
    found = {row.kind: (row.due_on, row.remind_on) for row in rows}
    assert len(found) == rows.count()  # at most one per kind
    return found


def reminders_of(user: Any) -> int:
    return Notification.objects.filter(user=user, kind="deadline_reminder").count()


def close(world: w.World, case: Any) -> Any:
    case = casefiles.case_step(
        actor=world.sara,
        case_id=case.pk,
        expected_version=case.version,
        action="request_closure",
        reason="goals_met",
    )
    case = casefiles.case_step(
        actor=world.cody, case_id=case.pk, expected_version=case.version, action="approve_closure"
    )
    assert case.phase == Phase.CLOSED
    return case


# --- the 18th birthday and the transition plan ------------------------------------------------


def test_a_minor_gets_the_birthday_and_the_transition_plan_at_opening(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(world.sara, world.payoke, date_of_birth=D(2010, 5, 1))
    # 18 on 1 May 2028; 90 days before: 30 (April) + 31 (March) + 29 (February 2028) = 1 Feb.
    # Reminders 14 days before each.
    assert birthday_rows(case) == {
        DeadlineKind.MAJORITY: (D(2028, 5, 1), D(2028, 4, 17)),
        DeadlineKind.TRANSITION_PLAN: (D(2028, 2, 1), D(2028, 1, 18)),
    }
    rows = Deadline.objects.filter(case=case)
    assert all(row.owner_id is None and row.procedure_id is None for row in rows)
    assert {row.source for row in rows} == {"default"}  # be.yaml: source default


def test_a_dutch_minor_cites_the_nl_source_for_the_age_of_majority(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(world.noor, world.fier, date_of_birth=D(2012, 2, 29))
    majority = Deadline.objects.get(case=case, kind=DeadlineKind.MAJORITY)
    assert majority.due_on == D(2030, 2, 28)  # born on a leap day
    assert majority.source == "001:L5812-L5818"


@pytest.mark.parametrize("date_of_birth", [None, D(1990, 1, 1), D(2008, 3, 2), D(2008, 2, 29)])
def test_no_birthday_deadlines_for_an_adult_or_without_a_date_of_birth(
    world: w.World, clock: w.Clock, date_of_birth: D | None
) -> None:
    # Born 2 March 2008: 18 today. Born 29 February 2008: 18 on 28 February 2026, last week.
    case = w.open_case(world.sara, world.payoke, date_of_birth=date_of_birth)
    assert not Deadline.objects.filter(case=case).exists()


def test_turning_18_tomorrow_still_counts(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke, date_of_birth=D(2008, 3, 3))
    assert birthday_rows(case)[DeadlineKind.MAJORITY][0] == D(2026, 3, 3)


def test_changing_the_date_of_birth_moves_the_birthday_deadlines(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(world.sara, world.payoke, date_of_birth=D(2010, 5, 1))
    person = Person.objects.get(pk=case.person_id)
    old = set(Deadline.objects.filter(case=case).values_list("pk", flat=True))
    assert len(old) == 2

    person = services.person_update(
        actor=world.sara,
        person_id=person.pk,
        expected_version=person.version,
        data={"date_of_birth": "2011-06-15"},
    )

    # 15 June 2029; 90 days before: 15 Mar + 2 days = 17 March 2029.
    assert birthday_rows(case) == {
        DeadlineKind.MAJORITY: (D(2029, 6, 15), D(2029, 6, 1)),
        DeadlineKind.TRANSITION_PLAN: (D(2029, 3, 17), D(2029, 3, 3)),
    }
    cancelled = Deadline.objects.filter(pk__in=old)
    assert {row.status for row in cancelled} == {DeadlineStatus.CANCELLED}

    # An unchanged date keeps the rows; a date making the person an adult cancels them.
    kept = set(Deadline.objects.filter(case=case, status="open").values_list("pk", flat=True))
    person = services.person_update(
        actor=world.sara,
        person_id=person.pk,
        expected_version=person.version,
        data={"date_of_birth": "2011-06-15", "notes": "x"},
    )
    assert set(Deadline.objects.filter(case=case, status="open").values_list("pk", flat=True)) == (
        kept
    )
    services.person_update(
        actor=world.sara,
        person_id=person.pk,
        expected_version=person.version,
        data={"date_of_birth": "1995-06-15"},
    )
    assert birthday_rows(case) == {}


def test_closing_cancels_open_deadlines_and_reopening_recreates_the_birthdays(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(world.sara, world.payoke, date_of_birth=D(2010, 5, 1))
    task = deadlines.task_add(actor=world.sara, case_id=case.pk, title="Call", due_on="2026-04-01")
    row = protection.procedure_start(
        actor=world.sara, case_id=case.pk, procedure="BE/residence", state="reflection"
    )
    assert Deadline.objects.filter(case=case, status="open").count() == 4

    case = close(world, case)

    assert Deadline.objects.filter(case=case, status="open").count() == 0
    assert Deadline.objects.filter(case=case, status="cancelled").count() == 4
    assert Deadline.objects.get(pk=task.pk).status == DeadlineStatus.CANCELLED
    # A date of birth changed while the case is closed does not bring them back.
    person = Person.objects.get(pk=case.person_id)
    services.person_update(
        actor=world.sara,
        person_id=person.pk,
        expected_version=person.version,
        data={"date_of_birth": "2010-05-02"},
    )
    assert Deadline.objects.filter(case=case, status="open").count() == 0

    case = casefiles.case_step(
        actor=world.sara, case_id=case.pk, expected_version=case.version, action="reopen"
    )

    assert birthday_rows(case) == {
        DeadlineKind.MAJORITY: (D(2028, 5, 2), D(2028, 4, 18)),
        DeadlineKind.TRANSITION_PLAN: (D(2028, 2, 2), D(2028, 1, 19)),
    }
    assert Deadline.objects.get(pk=task.pk).status == DeadlineStatus.CANCELLED
    assert row.pk  # the procedure row itself stays


# --- tasks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "due_on", "owner", "field"), [
    ("", "2026-03-20", None, "title"),
    ("   ", "2026-03-20", None, "title"),
    ("Book an interpreter", "2026-03-01", None, "due_on"),
    ("Book an interpreter", "", None, "due_on"),
    ("Book an interpreter", "20/03/2026", None, "due_on"),
    ("Book an interpreter", "2026-03-20", "otto", "owner"),
    ("Book an interpreter", "2026-03-20", "piet", "owner"),
    ("Book an interpreter", "2026-03-20", "cody", "owner"),
    ("Book an interpreter", "2026-03-20", "abc", "owner"),
    ("Book an interpreter", "2026-03-20", 999999, "owner"),
])  # fmt: skip
def test_task_validation_errors_create_nothing(
    world: w.World, clock: w.Clock, title: str, due_on: str, owner: object, field: str
) -> None:
    case = w.open_case(world.sara, world.payoke)
    owner_id = getattr(world, owner).pk if isinstance(owner, str) and owner != "abc" else owner
    with pytest.raises(InvalidInput) as caught:
        deadlines.task_add(
            actor=world.sara, case_id=case.pk, title=title, due_on=due_on, owner_id=owner_id
        )
    assert field in caught.value.errors
    assert not Deadline.objects.filter(case=case).exists()


def test_a_task_due_today_is_accepted_and_reminds_today(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    task = deadlines.task_add(
        actor=world.sara, case_id=case.pk, title="Book an interpreter", due_on=D(2026, 3, 2)
    )
    assert (task.kind, task.due_on, task.remind_on, task.owner_id) == (
        DeadlineKind.TASK,
        D(2026, 3, 2),
        D(2026, 3, 2),
        None,
    )
    later = deadlines.task_add(
        actor=world.sara, case_id=case.pk, title="Follow up", due_on="2026-04-30"
    )
    assert later.remind_on == D(2026, 4, 16)


def test_a_closed_case_takes_no_task_and_an_outsider_none_either(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(world.sara, world.payoke)
    with pytest.raises(NotFoundOrForbidden):
        deadlines.task_add(actor=world.otto, case_id=case.pk, title="x", due_on="2026-03-20")
    close(world, case)
    with pytest.raises(InvalidInput):
        deadlines.task_add(actor=world.sara, case_id=case.pk, title="x", due_on="2026-03-20")
    assert not Deadline.objects.filter(case=case).exists()


def test_a_task_shows_in_its_owners_deadlines_only(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    for_sam = deadlines.task_add(
        actor=world.sara, case_id=case.pk, title="Visit", due_on="2026-03-05", owner_id=world.sam.pk
    )
    for_owner = deadlines.task_add(
        actor=world.sara, case_id=case.pk, title="Call", due_on="2026-03-06"
    )

    sam_board = my_deadlines(actor=world.sam)
    sara_board = my_deadlines(actor=world.sara)

    assert [row.pk for row in sam_board.soon] == [for_sam.pk]
    assert [row.pk for row in sara_board.soon] == [for_owner.pk]  # the case owner's
    assert sam_board.count == 1 and sara_board.count == 1
    assert my_deadlines(actor=world.otto).count == 0
    # Both are the organisation's.
    assert {row.pk for row in organisation_deadlines(actor=world.sam).soon} == {
        for_sam.pk,
        for_owner.pk,
    }
    assert organisation_deadlines(actor=world.otto).count == 0


def test_organisation_deadlines_are_grouped_around_today(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    other = w.open_case(world.otto, world.other_be)
    days = ["2026-03-05", "2026-03-10", "2026-03-17", "2026-03-18", "2026-04-09", "2026-04-10"]
    made = {
        day: deadlines.task_add(actor=world.sara, case_id=case.pk, title="t", due_on=day).pk
        for day in days
    }
    done = deadlines.task_add(actor=world.sara, case_id=case.pk, title="t", due_on="2026-03-11")
    deadlines.deadline_done(actor=world.sara, deadline_id=done.pk, expected_version=done.version)
    deadlines.task_add(actor=world.otto, case_id=other.pk, title="t", due_on="2026-03-12")

    clock.set(
        datetime.datetime(2026, 3, 10, 22, 0, tzinfo=UTC)
    )  # 23:00 in Brussels: Tuesday 10 March
    board = organisation_deadlines(actor=world.sara)

    assert board.today == D(2026, 3, 10)
    assert [row.pk for row in board.overdue] == [made["2026-03-05"]]
    # Within 7 days: today up to 17 March; within 30 days: up to 9 April; 10 April is later.
    assert [row.pk for row in board.soon] == [made["2026-03-10"], made["2026-03-17"]]
    assert [row.pk for row in board.later] == [made["2026-03-18"], made["2026-04-09"]]
    assert board.count == 5
    assert my_deadlines(actor=world.sara).count == 5
    assert organisation_deadlines(actor=world.otto).count == 1


# --- marking done --------------------------------------------------------------------------------


def test_deadline_done_with_a_stale_version_is_a_conflict(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    task = deadlines.task_add(actor=world.sara, case_id=case.pk, title="t", due_on="2026-03-20")
    with pytest.raises(ConcurrentEditError):
        deadlines.deadline_done(
            actor=world.sara, deadline_id=task.pk, expected_version=task.version + 1
        )
    assert Deadline.objects.get(pk=task.pk).status == DeadlineStatus.OPEN

    clock.advance(hours=2)
    done = deadlines.deadline_done(
        actor=world.sam, deadline_id=task.pk, expected_version=task.version
    )
    stored = Deadline.objects.get(pk=task.pk)
    assert (stored.status, stored.done_by_id, stored.done_at, stored.version) == (
        DeadlineStatus.DONE,
        world.sam.pk,
        START + datetime.timedelta(hours=2),
        task.version + 1,
    )
    with pytest.raises(ConcurrentEditError):  # the version read before is now stale
        deadlines.deadline_done(
            actor=world.sara, deadline_id=task.pk, expected_version=task.version
        )
    with pytest.raises(InvalidInput):  # current version, but no longer open
        deadlines.deadline_done(
            actor=world.sara, deadline_id=task.pk, expected_version=done.version
        )


def test_a_birthday_duty_can_be_marked_done(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke, date_of_birth=D(2010, 5, 1))
    plan = Deadline.objects.get(case=case, kind=DeadlineKind.TRANSITION_PLAN)
    deadlines.deadline_done(actor=world.sara, deadline_id=plan.pk, expected_version=plan.version)
    assert Deadline.objects.get(pk=plan.pk).status == DeadlineStatus.DONE


def test_a_procedure_deadline_cannot_be_marked_done(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    protection.procedure_start(
        actor=world.sara, case_id=case.pk, procedure="BE/residence", state="reflection"
    )
    row = Deadline.objects.get(case=case, kind=DeadlineKind.PROCEDURE)
    with pytest.raises(InvalidInput) as caught:
        deadlines.deadline_done(actor=world.sara, deadline_id=row.pk, expected_version=row.version)
    assert "deadline" in caught.value.errors
    stored = Deadline.objects.get(pk=row.pk)
    assert (stored.status, stored.version, stored.done_by_id) == (DeadlineStatus.OPEN, 1, None)


@pytest.mark.parametrize("who", ["otto", "piet", "noor"])
def test_someone_outside_the_case_gets_not_found(world: w.World, clock: w.Clock, who: str) -> None:
    case = w.open_case(world.sara, world.payoke)
    task = deadlines.task_add(actor=world.sara, case_id=case.pk, title="t", due_on="2026-03-20")
    with pytest.raises(NotFoundOrForbidden):
        deadlines.deadline_done(
            actor=getattr(world, who), deadline_id=task.pk, expected_version=task.version
        )
    assert Deadline.objects.get(pk=task.pk).status == DeadlineStatus.OPEN
    for missing in (task.pk + 1000, "abc"):
        with pytest.raises(NotFoundOrForbidden):
            deadlines.deadline_done(actor=world.sara, deadline_id=missing, expected_version=1)


# --- reminders ----------------------------------------------------------------------------------


def test_a_reminder_fires_once_on_its_day_not_before(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    task = deadlines.task_add(
        actor=world.sara, case_id=case.pk, title="t", due_on="2026-03-30", owner_id=world.sam.pk
    )
    assert task.remind_on == D(2026, 3, 16)

    clock.set(datetime.datetime(2026, 3, 15, 22, 59, tzinfo=UTC))
    assert deadlines.send_reminders() == 0
    assert reminders_of(world.sam) == 0

    clock.set(datetime.datetime(2026, 3, 16, 6, 0, tzinfo=UTC))
    assert deadlines.send_reminders() == 1
    assert deadlines.send_reminders() == 0  # a second run sends nothing
    clock.advance(days=3)
    assert deadlines.send_reminders() == 0  # nor a later one
    assert reminders_of(world.sam) == 1
    assert reminders_of(world.sara) == 0  # the task's owner, not the case's
    stored = Deadline.objects.get(pk=task.pk)
    assert stored.reminded_at == datetime.datetime(2026, 3, 16, 6, 0, tzinfo=UTC)
    note = Notification.objects.get(user=world.sam, kind="deadline_reminder")
    assert note.reference == case.reference
    assert note.link == reverse("cases:case", args=[case.pk]) + "#deadlines"


def test_a_late_run_still_reminds_each_overdue_deadline_once(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(world.sara, world.payoke)
    for day in ("2026-03-20", "2026-03-25", "2026-04-30"):
        deadlines.task_add(actor=world.sara, case_id=case.pk, title="t", due_on=day)
    clock.set(datetime.datetime(2026, 4, 1, 9, tzinfo=UTC))  # after two reminder dates
    assert deadlines.send_reminders() == 2
    assert deadlines.send_reminders() == 0
    assert reminders_of(world.sara) == 2


def test_a_done_task_and_a_closed_case_are_not_reminded(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    task = deadlines.task_add(actor=world.sara, case_id=case.pk, title="t", due_on="2026-03-20")
    deadlines.deadline_done(actor=world.sara, deadline_id=task.pk, expected_version=task.version)
    closed = w.open_case(world.sara, world.payoke)
    deadlines.task_add(actor=world.sara, case_id=closed.pk, title="t", due_on="2026-03-20")
    close(world, closed)
    clock.set(datetime.datetime(2026, 3, 20, 9, tzinfo=UTC))
    assert deadlines.send_reminders() == 0
    assert Notification.objects.filter(kind="deadline_reminder").count() == 0


def test_a_reminder_without_an_owner_goes_to_the_case_owner_also_after_a_transfer(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(world.sara, world.payoke)
    case_owned = deadlines.task_add(
        actor=world.sara, case_id=case.pk, title="t", due_on="2026-03-30"
    )
    sara_owned = deadlines.task_add(
        actor=world.sara, case_id=case.pk, title="t", due_on="2026-03-30", owner_id=world.sara.pk
    )
    assert (case_owned.owner_id, sara_owned.owner_id) == (None, world.sara.pk)

    case = casefiles.case_transfer(
        actor=world.sara,
        case_id=case.pk,
        expected_version=case.version,
        organisation_id=world.payoke.pk,
        owner_id=world.sam.pk,
    )
    assert case.owner_id == world.sam.pk
    # The case-owned deadline moved to sam's board; the task named for sara stayed hers.
    assert [row.pk for row in my_deadlines(actor=world.sam).later] == [case_owned.pk]
    assert [row.pk for row in my_deadlines(actor=world.sara).later] == [sara_owned.pk]

    clock.set(datetime.datetime(2026, 3, 16, 9, tzinfo=UTC))
    assert deadlines.send_reminders() == 2
    assert reminders_of(world.sam) == 1
    assert reminders_of(world.sara) == 1


def test_a_procedure_date_reminds_the_case_owner(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    protection.procedure_start(
        actor=world.sara, case_id=case.pk, procedure="BE/residence", state="reflection"
    )
    # 2 March + 45 days = 16 April; reminded 14 days before, on 2 April.
    row = Deadline.objects.get(case=case, kind=DeadlineKind.PROCEDURE)
    assert (row.due_on, row.remind_on) == (D(2026, 4, 16), D(2026, 4, 2))
    clock.set(datetime.datetime(2026, 4, 1, 9, tzinfo=UTC))
    assert deadlines.send_reminders() == 0
    clock.advance(days=1)
    assert deadlines.send_reminders() == 1
    assert reminders_of(world.sara) == 1


def test_the_remind_command_reports_a_count_only(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.sara, world.payoke)
    deadlines.task_add(actor=world.sara, case_id=case.pk, title="Secret title", due_on="2026-03-05")
    out = io.StringIO()
    call_command("cases_remind", stdout=out)
    assert out.getvalue().strip() == "1 reminder(s) sent"
    assert "Secret" not in out.getvalue() and case.reference not in out.getvalue()
    again = io.StringIO()
    call_command("cases_remind", stdout=again)
    assert again.getvalue().strip() == "0 reminder(s) sent"


def test_the_remind_command_refuses_a_loop_under_a_minute() -> None:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as caught:
        call_command("cases_remind", "--every", "5", stdout=out, stderr=err)
    assert caught.value.code == 2
    assert "at least 60" in err.getvalue()
    assert out.getvalue() == ""
