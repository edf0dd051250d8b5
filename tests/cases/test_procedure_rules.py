"""Protection procedures as data (``cases.procedures``) and their services (``cases.protection``).

* the shipped BE and NL procedures: every start state, every transition from every source state,
  with the dates computed by hand for the literal dates used here; illegal steps and renewals;
* the shipped rules' citations and names, and the DK/RO skeletons;
* the date arithmetic the rules rely on (months, working days, the 18th birthday);
* malformed ``procedures`` and ``case_deadlines`` sections: ``RuleFileError`` with file and line,
  and the start-up check ``opennrm.E106``.
"""

from __future__ import annotations

import datetime
import re
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import opennrm
from opennrm.cases import procedures, protection
from opennrm.cases.checks import check_procedures
from opennrm.cases.deadlines import majority_date
from opennrm.cases.models import (
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    ProcedureTransition,
    ProtectionProcedure,
)
from opennrm.cases.procedures import (
    UNLIMITED,
    CaseDeadlineRules,
    Period,
    parse_case_deadlines,
    parse_procedures,
)
from opennrm.core import calendars, jurisdictions
from opennrm.core.calendars import Calendar, add_months, add_working_days_to_date
from opennrm.core.errors import ConcurrentEditError, InvalidInput
from opennrm.core.jurisdictions import parse_jurisdiction
from opennrm.core.rulefiles import RuleFileError
from tests.cases import world as w

RULES = Path(opennrm.__file__).resolve().parent / "jurisdictions"
SOURCE = re.compile(r"^\d{3}:L\d+(-L\d+)?$")
D = datetime.date
UTC = datetime.UTC

# The procedure starts on 31 January 2026 (a month end: the month arithmetic has to clamp); each
# step on the way to the source state is taken 30 days later; the step under test is taken on
# 31 August 2026.
WALK_START = datetime.datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
STEP_ON = datetime.datetime(2026, 8, 31, 9, 0, tzinfo=UTC)

# How to reach each state: the start state, then the transitions to take.
PATHS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "BE/residence": {
        "reflection": ("reflection", ()),
        "permit-3-months": ("reflection", ("statement",)),
        "permit-6-months": ("reflection", ("statement", "proceedings-continue")),
    },
    "NL/residence": {
        "reflection": ("reflection", ()),
        "b8-permit": ("b8-permit", ()),
        "b8-withdrawn": ("b8-permit", ("not-prosecuted",)),
    },
}

# (procedure, transition, from, to, due_on, due_kind) for a step taken on 31 August 2026,
# computed by hand: 31 Aug + 3 months = 30 Nov (November has 30 days); 31 Aug + 6 months =
# 28 Feb 2027 (no 29 February in 2027); 31 Aug 2026 + 3 years = 31 Aug 2029 (B8/3 milestone).
STEPS = [
    ("BE/residence", "statement", "reflection", "permit-3-months", D(2026, 11, 30), "end"),
    ("BE/residence", "proceedings-continue", "permit-3-months", "permit-6-months",
     D(2027, 2, 28), "end"),
    ("BE/residence", "conviction-or-prosecutor-request", "permit-3-months", "indefinite-permit",
     None, ""),
    ("BE/residence", "conviction-or-prosecutor-request", "permit-6-months", "indefinite-permit",
     None, ""),
    ("BE/residence", "end", "reflection", "ended", None, ""),
    ("BE/residence", "end", "permit-3-months", "ended", None, ""),
    ("BE/residence", "end", "permit-6-months", "ended", None, ""),
    ("NL/residence", "complaint-filed", "reflection", "b8-permit", D(2029, 8, 31), "milestone"),
    ("NL/residence", "no-complaint", "reflection", "ended", None, ""),
    ("NL/residence", "not-prosecuted", "b8-permit", "b8-withdrawn", None, ""),
    ("NL/residence", "conviction", "b8-permit", "permanent-residence", None, ""),
    ("NL/residence", "three-years", "b8-permit", "b9-permit", None, ""),
    ("NL/residence", "humanitarian-granted", "b8-withdrawn", "b9-permit", None, ""),
    ("NL/residence", "rejected", "b8-withdrawn", "ended", None, ""),
]  # fmt: skip

# (procedure, start state, due_on, due_kind) for a start on 31 January 2026: 31 Jan + 45 days =
# 17 Mar (28 days of February); 31 Jan + 3 months = 30 Apr; 31 Jan 2026 + 3 years = 31 Jan 2029.
STARTS = [
    ("BE/residence", "reflection", D(2026, 3, 17), "end"),
    ("NL/residence", "reflection", D(2026, 4, 30), "end"),
    ("NL/residence", "b8-permit", D(2029, 1, 31), "milestone"),
]


def shipped(country: str) -> procedures.Procedure:
    found = parse_procedures(RULES / f"{country.lower()}.yaml", country)
    assert len(found) == 1
    return found[0]


def open_procedure_deadlines(case: Any) -> list[Deadline]:
    return list(
        Deadline.objects.filter(
            case=case, kind=DeadlineKind.PROCEDURE, status=DeadlineStatus.OPEN
        ).order_by("pk")
    )


@pytest.fixture
def world(db: Any) -> w.World:
    return w.build()


@pytest.fixture
def clock(monkeypatch: Any) -> w.Clock:
    return w.Clock(monkeypatch, WALK_START)


def _case_of(world: w.World, key: str) -> Any:
    if key.startswith("BE/"):
        return world.sara, w.open_case(world.sara, world.payoke)
    return world.noor, w.open_case(world.noor, world.fier)


def _walk(world: w.World, clock: w.Clock, key: str, state: str) -> tuple[Any, Any, Any]:
    """A case whose procedure ``key`` is in ``state``: started on WALK_START, one step each 30
    days."""
    actor, case = _case_of(world, key)
    start, steps = PATHS[key][state]
    row = protection.procedure_start(actor=actor, case_id=case.pk, procedure=key, state=start)
    for step in steps:
        clock.advance(days=30)
        row = protection.procedure_step(
            actor=actor,
            case_id=case.pk,
            procedure_id=row.pk,
            expected_version=row.version,
            transition=step,
        )
    assert row.state == state
    return actor, case, row


# --- the shipped procedures, state by state and step by step --------------------------------------


def test_the_hand_tables_cover_every_state_and_transition_of_be_and_nl() -> None:
    for country in ("BE", "NL"):
        rule = shipped(country)
        pairs = {(t.code, source, t.target) for t in rule.transitions for source in t.sources}
        tabled = {(code, src, dst) for key, code, src, dst, *_ in STEPS if key == rule.key}
        assert tabled == pairs, rule.key
        reached = {dst for _code, _src, dst in tabled} | {s for k, s, *_ in STARTS if k == rule.key}
        assert reached == {state.code for state in rule.states}, rule.key
        assert {s for k, s, *_ in STARTS if k == rule.key} == set(rule.start)


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "state", "due_on", "due_kind"), STARTS)
def test_start_state_stores_its_date_and_opens_a_deadline(
    world: w.World, clock: w.Clock, key: str, state: str, due_on: D, due_kind: str
) -> None:
    actor, case = _case_of(world, key)
    row = protection.procedure_start(actor=actor, case_id=case.pk, procedure=key, state=state)
    row.refresh_from_db()
    assert (row.state, row.started_on, row.due_on, row.due_kind) == (
        state,
        D(2026, 1, 31),
        due_on,
        due_kind,
    )
    assert row.final is False and row.renewals_used == 0
    rule = procedures.get(key)
    assert rule is not None
    rule_state = rule.state(state)
    [deadline] = open_procedure_deadlines(case)
    assert deadline.due_on == due_on
    assert deadline.remind_on == due_on - datetime.timedelta(days=14)
    assert deadline.procedure_id == row.pk
    assert deadline.source == rule_state.source
    expected_label = rule_state.milestone_name if due_kind == "milestone" else rule_state.name
    assert deadline.label == expected_label and deadline.label
    [history] = ProcedureTransition.objects.filter(procedure=row)
    assert (history.action, history.from_state, history.to_state, history.effective_on) == (
        "start",
        "",
        state,
        D(2026, 1, 31),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "transition", "source", "target", "due_on", "due_kind"),
    STEPS,
    ids=[f"{key[:2]}-{code}-from-{src}" for key, code, src, *_ in STEPS],
)
def test_every_transition_from_every_source_state(
    world: w.World,
    clock: w.Clock,
    key: str,
    transition: str,
    source: str,
    target: str,
    due_on: D | None,
    due_kind: str,
) -> None:
    actor, case, row = _walk(world, clock, key, source)
    before = [deadline.pk for deadline in open_procedure_deadlines(case)]
    # A state with a date has exactly one open deadline; b8-withdrawn has none.
    assert len(before) == (0 if row.due_on is None else 1)
    clock.set(STEP_ON)

    row = protection.procedure_step(
        actor=actor,
        case_id=case.pk,
        procedure_id=row.pk,
        expected_version=row.version,
        transition=transition,
    )

    stored = ProtectionProcedure.objects.get(pk=row.pk)
    assert stored.state == target
    assert stored.started_on == D(2026, 8, 31)
    assert stored.due_on == due_on
    assert stored.due_kind == due_kind
    rule = procedures.get(key)
    assert rule is not None
    assert stored.final is rule.state(target).final
    if due_on is None and target != "b8-withdrawn":
        assert stored.final is True
        assert protection.options(stored)["steps"] == []
    # The previous state's deadline is closed ...
    for pk in before:
        closed = Deadline.objects.get(pk=pk)
        assert closed.status == DeadlineStatus.DONE
        assert closed.done_at == STEP_ON
    # ... and the new state's date is the one open procedure deadline.
    now_open = open_procedure_deadlines(case)
    if due_on is None:
        assert now_open == []
    else:
        [deadline] = now_open
        assert deadline.pk not in before
        assert (deadline.due_on, deadline.remind_on) == (
            due_on,
            due_on - datetime.timedelta(days=14),
        )
        assert deadline.procedure_id == row.pk
    last = ProcedureTransition.objects.filter(procedure=row).last()
    assert last is not None
    assert (last.action, last.from_state, last.to_state, last.effective_on, last.due_on) == (
        transition,
        source,
        target,
        D(2026, 8, 31),
        due_on,
    )
    assert last.source == rule.transition(transition).source


@pytest.mark.django_db
def test_be_statement_on_day_30_then_proceedings_continue(world: w.World, clock: w.Clock) -> None:
    clock.set(datetime.datetime(2026, 5, 1, 9, tzinfo=UTC))
    case = w.open_case(world.sara, world.payoke)
    row = protection.procedure_start(
        actor=world.sara, case_id=case.pk, procedure="BE/residence", state="reflection"
    )
    assert row.due_on == D(2026, 6, 15)  # 1 May + 45 days
    clock.advance(days=30)
    row = protection.procedure_step(
        actor=world.sara,
        case_id=case.pk,
        procedure_id=row.pk,
        expected_version=row.version,
        transition="statement",
    )
    assert (row.started_on, row.due_on) == (D(2026, 5, 31), D(2026, 8, 31))
    # A statement dated back (but not before the reflection began) counts from that date.
    other = w.open_case(world.sam, world.payoke)
    row2 = protection.procedure_start(
        actor=world.sam,
        case_id=other.pk,
        procedure="BE/residence",
        state="reflection",
        effective_on="2026-05-10",
    )
    assert row2.due_on == D(2026, 6, 24)
    row2 = protection.procedure_step(
        actor=world.sam,
        case_id=other.pk,
        procedure_id=row2.pk,
        expected_version=row2.version,
        transition="statement",
        effective_on="2026-05-20",
    )
    assert (row2.started_on, row2.due_on) == (D(2026, 5, 20), D(2026, 8, 20))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "state", "transition"),
    [
        ("BE/residence", "permit-6-months", "statement"),
        ("BE/residence", "reflection", "proceedings-continue"),
        ("BE/residence", "permit-3-months", "no-such-step"),
        ("NL/residence", "reflection", "conviction"),
        ("NL/residence", "b8-permit", "complaint-filed"),
        ("NL/residence", "b8-withdrawn", "three-years"),
    ],
)
def test_an_illegal_step_is_refused_and_changes_nothing(
    world: w.World, clock: w.Clock, key: str, state: str, transition: str
) -> None:
    actor, case, row = _walk(world, clock, key, state)
    snapshot = ProtectionProcedure.objects.filter(pk=row.pk).values().get()
    deadlines_before = list(Deadline.objects.filter(case=case).values("pk", "status", "due_on"))
    history = ProcedureTransition.objects.filter(procedure=row).count()

    with pytest.raises(InvalidInput) as caught:
        protection.procedure_step(
            actor=actor,
            case_id=case.pk,
            procedure_id=row.pk,
            expected_version=row.version,
            transition=transition,
        )

    assert "transition" in caught.value.errors
    assert ProtectionProcedure.objects.filter(pk=row.pk).values().get() == snapshot
    assert list(Deadline.objects.filter(case=case).values("pk", "status", "due_on")) == (
        deadlines_before
    )
    assert ProcedureTransition.objects.filter(procedure=row).count() == history


@pytest.mark.django_db
def test_a_final_state_takes_no_further_step(world: w.World, clock: w.Clock) -> None:
    actor, case, row = _walk(world, clock, "BE/residence", "permit-3-months")
    row = protection.procedure_step(
        actor=actor,
        case_id=case.pk,
        procedure_id=row.pk,
        expected_version=row.version,
        transition="conviction-or-prosecutor-request",
    )
    assert row.final and row.due_on is None
    for transition in ("end", "statement", "proceedings-continue"):
        with pytest.raises(InvalidInput):
            protection.procedure_step(
                actor=actor,
                case_id=case.pk,
                procedure_id=row.pk,
                expected_version=row.version,
                transition=transition,
            )
    with pytest.raises(InvalidInput):
        protection.procedure_renew(
            actor=actor, case_id=case.pk, procedure_id=row.pk, expected_version=row.version
        )
    assert ProtectionProcedure.objects.get(pk=row.pk).state == "indefinite-permit"


@pytest.mark.django_db
def test_a_step_dated_before_the_state_began_or_in_the_future_is_refused(
    world: w.World, clock: w.Clock
) -> None:
    actor, case, row = _walk(world, clock, "BE/residence", "reflection")
    for effective_on in ("2026-01-30", "2026-02-01", "31/01/2026"):
        with pytest.raises(InvalidInput) as caught:
            protection.procedure_step(
                actor=actor,
                case_id=case.pk,
                procedure_id=row.pk,
                expected_version=row.version,
                transition="statement",
                effective_on=effective_on,
            )
        assert "effective_on" in caught.value.errors
    assert ProtectionProcedure.objects.get(pk=row.pk).state == "reflection"


@pytest.mark.django_db
def test_a_stale_version_is_a_conflict(world: w.World, clock: w.Clock) -> None:
    actor, case, row = _walk(world, clock, "BE/residence", "permit-3-months")
    with pytest.raises(ConcurrentEditError):
        protection.procedure_step(
            actor=actor,
            case_id=case.pk,
            procedure_id=row.pk,
            expected_version=row.version - 1,
            transition="proceedings-continue",
        )
    with pytest.raises(ConcurrentEditError):
        protection.procedure_renew(
            actor=actor, case_id=case.pk, procedure_id=row.pk, expected_version=row.version - 1
        )
    assert ProtectionProcedure.objects.get(pk=row.pk).state == "permit-3-months"


@pytest.mark.django_db
def test_be_3_month_permit_renews_exactly_once_from_its_old_end(
    world: w.World, clock: w.Clock
) -> None:
    clock.set(datetime.datetime(2026, 3, 2, 9, tzinfo=UTC))
    case = w.open_case(world.sara, world.payoke)
    row = protection.procedure_start(
        actor=world.sara, case_id=case.pk, procedure="BE/residence", state="reflection"
    )
    with pytest.raises(InvalidInput):  # the reflection period is not renewable
        protection.procedure_renew(
            actor=world.sara, case_id=case.pk, procedure_id=row.pk, expected_version=row.version
        )
    clock.advance(days=30)  # 1 April 2026
    row = protection.procedure_step(
        actor=world.sara,
        case_id=case.pk,
        procedure_id=row.pk,
        expected_version=row.version,
        transition="statement",
    )
    assert (row.started_on, row.due_on) == (D(2026, 4, 1), D(2026, 7, 1))
    assert protection.options(row)["renewals_left"] == 1
    first_deadline = open_procedure_deadlines(case)[0]

    row = protection.procedure_renew(
        actor=world.sara, case_id=case.pk, procedure_id=row.pk, expected_version=row.version
    )

    assert (row.state, row.started_on, row.due_on, row.renewals_used) == (
        "permit-3-months",
        D(2026, 7, 1),
        D(2026, 10, 1),
        1,
    )
    assert Deadline.objects.get(pk=first_deadline.pk).status == DeadlineStatus.DONE
    [renewed] = open_procedure_deadlines(case)
    assert (renewed.due_on, renewed.remind_on) == (D(2026, 10, 1), D(2026, 9, 17))
    last = ProcedureTransition.objects.filter(procedure=row).last()
    assert last is not None
    assert (last.action, last.from_state, last.to_state, last.effective_on) == (
        "renew",
        "permit-3-months",
        "permit-3-months",
        D(2026, 7, 1),
    )
    offered = protection.options(row)
    assert offered["may_renew"] is False and offered["renewals_left"] == 0

    with pytest.raises(InvalidInput):
        protection.procedure_renew(
            actor=world.sara, case_id=case.pk, procedure_id=row.pk, expected_version=row.version
        )
    stored = ProtectionProcedure.objects.get(pk=row.pk)
    assert (stored.due_on, stored.renewals_used, stored.version) == (D(2026, 10, 1), 1, row.version)
    # The next state starts afresh: its renewals count from zero.
    clock.set(datetime.datetime(2026, 10, 1, 9, tzinfo=UTC))
    row = protection.procedure_step(
        actor=world.sara,
        case_id=case.pk,
        procedure_id=row.pk,
        expected_version=row.version,
        transition="proceedings-continue",
    )
    assert (row.state, row.renewals_used, row.due_on) == ("permit-6-months", 0, D(2027, 4, 1))


@pytest.mark.django_db
def test_be_6_month_permit_renews_as_often_as_needed(world: w.World, clock: w.Clock) -> None:
    clock.set(datetime.datetime(2026, 3, 2, 9, tzinfo=UTC))
    case = w.open_case(world.sara, world.payoke)
    row = protection.procedure_start(
        actor=world.sara, case_id=case.pk, procedure="BE/residence", state="reflection"
    )
    clock.set(datetime.datetime(2026, 4, 1, 9, tzinfo=UTC))
    row = protection.procedure_step(
        actor=world.sara,
        case_id=case.pk,
        procedure_id=row.pk,
        expected_version=row.version,
        transition="statement",
    )
    clock.set(datetime.datetime(2026, 7, 1, 9, tzinfo=UTC))
    row = protection.procedure_step(
        actor=world.sara,
        case_id=case.pk,
        procedure_id=row.pk,
        expected_version=row.version,
        transition="proceedings-continue",
    )
    assert (row.started_on, row.due_on) == (D(2026, 7, 1), D(2027, 1, 1))
    assert protection.options(row)["renewals_left"] is None  # unlimited
    expected = [
        (D(2027, 1, 1), D(2027, 7, 1)),
        (D(2027, 7, 1), D(2028, 1, 1)),
        (D(2028, 1, 1), D(2028, 7, 1)),
        (D(2028, 7, 1), D(2029, 1, 1)),
    ]
    for number, (started, due) in enumerate(expected, start=1):
        row = protection.procedure_renew(
            actor=world.sara, case_id=case.pk, procedure_id=row.pk, expected_version=row.version
        )
        assert (row.started_on, row.due_on, row.renewals_used) == (started, due, number)
        assert protection.options(row)["may_renew"] is True
        assert [d.due_on for d in open_procedure_deadlines(case)] == [due]
    rule = procedures.get("BE/residence")
    assert rule is not None and rule.state("permit-6-months").renewals == UNLIMITED


@pytest.mark.django_db
def test_nl_may_start_in_b8_permit_but_not_in_b9_permit(world: w.World, clock: w.Clock) -> None:
    case = w.open_case(world.noor, world.fier)
    for state in ("b9-permit", "b8-withdrawn", "permanent-residence", "no-such-state"):
        with pytest.raises(InvalidInput) as caught:
            protection.procedure_start(
                actor=world.noor, case_id=case.pk, procedure="NL/residence", state=state
            )
        assert "state" in caught.value.errors
    assert not ProtectionProcedure.objects.filter(case=case).exists()
    assert not Deadline.objects.filter(case=case, kind=DeadlineKind.PROCEDURE).exists()

    row = protection.procedure_start(
        actor=world.noor, case_id=case.pk, procedure="NL/residence", state="b8-permit"
    )
    assert (row.state, row.due_on, row.due_kind) == ("b8-permit", D(2029, 1, 31), "milestone")
    # Started once only.
    with pytest.raises(InvalidInput):
        protection.procedure_start(
            actor=world.noor, case_id=case.pk, procedure="NL/residence", state="reflection"
        )
    assert ProtectionProcedure.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_be_starts_only_in_reflection_and_only_its_own_country(
    world: w.World, clock: w.Clock
) -> None:
    case = w.open_case(world.sara, world.payoke)
    with pytest.raises(InvalidInput) as caught:
        protection.procedure_start(
            actor=world.sara, case_id=case.pk, procedure="BE/residence", state="permit-3-months"
        )
    assert "state" in caught.value.errors
    with pytest.raises(InvalidInput) as caught:
        protection.procedure_start(
            actor=world.sara, case_id=case.pk, procedure="NL/residence", state="reflection"
        )
    assert "procedure" in caught.value.errors
    assert not ProtectionProcedure.objects.filter(case=case).exists()


# --- the shipped rule files ------------------------------------------------------------------


@pytest.mark.parametrize("country", ["BE", "NL"])
def test_every_shipped_state_and_transition_cites_a_source_and_is_named(country: str) -> None:
    rule = shipped(country)
    assert SOURCE.match(rule.source), rule.source
    assert rule.remind_before == 14
    assert set(rule.names) == {"en", "nl", "fr"} and all(rule.names.values())
    for state in rule.states:
        assert SOURCE.match(state.source), (state.code, state.source)
        assert set(state.names) == {"en", "nl", "fr"}, state.code
        assert all(text.strip() for text in state.names.values()), state.code
        if state.milestone is not None:
            assert state.milestone_names is not None
            assert set(state.milestone_names) == {"en", "nl", "fr"}
    for transition in rule.transitions:
        assert SOURCE.match(transition.source), (transition.code, transition.source)
        assert set(transition.names) == {"en", "nl", "fr"}, transition.code
        assert all(text.strip() for text in transition.names.values()), transition.code
    # Shipped periods as the statutes give them.
    if country == "BE":
        assert rule.state("reflection").duration == Period(45, "days")
        assert rule.state("permit-3-months").duration == Period(3, "months")
        assert rule.state("permit-3-months").renewals == 1
        assert rule.state("permit-6-months").renewals == UNLIMITED
    else:
        assert rule.state("reflection").duration == Period(3, "months")
        assert rule.state("b8-permit").milestone == Period(3, "years")
        assert rule.start == ("reflection", "b8-permit")


def test_the_citation_pattern_rejects_bad_forms() -> None:
    for bad in ("003:293", "3:L293", "003:L293-", "default", "003:L293-294"):
        assert not SOURCE.match(bad)


@pytest.mark.parametrize(("country", "code", "start"), [
    ("DK", "residence", "temporary-permit"),
    ("RO", "assistance", "emergency-reception"),
])  # fmt: skip
def test_dk_and_ro_skeletons_load(country: str, code: str, start: str) -> None:
    rule = shipped(country)
    assert (rule.key, rule.start) == (f"{country}/{code}", (start,))
    # No durations in the sources: no date, and a way to end.
    assert rule.due_date(rule.state(start), D(2026, 1, 1)) == (None, "")
    assert [t.target for t in rule.transitions_from(start)] == ["ended"]
    assert rule.state("ended").final


def test_load_procedures_finds_all_four_without_errors() -> None:
    found, errors = procedures.load_procedures()
    assert errors == []
    assert {"BE/residence", "NL/residence", "DK/residence", "RO/assistance"} <= set(found)


# --- date arithmetic ------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "months", "expected"), [
    (D(2027, 1, 31), 1, D(2027, 2, 28)),
    (D(2028, 1, 31), 1, D(2028, 2, 29)),
    (D(2028, 2, 29), 12, D(2029, 2, 28)),
    (D(2028, 2, 29), 48, D(2032, 2, 29)),
    (D(2026, 12, 15), 1, D(2027, 1, 15)),
    (D(2026, 12, 31), 2, D(2027, 2, 28)),
    (D(2026, 11, 30), 3, D(2027, 2, 28)),
    (D(2026, 8, 31), 1, D(2026, 9, 30)),
    (D(2026, 3, 31), 0, D(2026, 3, 31)),
    (D(2026, 1, 15), -1, D(2025, 12, 15)),
])  # fmt: skip
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(
    day: D, months: int, expected: D
) -> None:
    assert add_months(day, months) == expected


def test_periods_in_days_months_and_years() -> None:
    assert Period(45, "days").after(D(2026, 1, 31), "BE") == D(2026, 3, 17)
    assert Period(3, "months").after(D(2026, 1, 31), "NL") == D(2026, 4, 30)
    assert Period(3, "years").after(D(2028, 2, 29), "NL") == D(2031, 2, 28)
    assert Period(1, "years").after(D(2026, 12, 31), "NL") == D(2027, 12, 31)
    assert Period(2, "working_days").describe() == "2 working days"


def test_working_days_skip_the_weekend_and_belgian_public_holidays() -> None:
    belgium = calendars.calendar("BE")
    assert D(2026, 12, 25) in belgium.holidays and D(2026, 7, 21) in belgium.holidays
    # Thursday 24 December 2026: Friday 25 is Christmas, then the weekend; Mon 28, Tue 29, Wed 30.
    assert Period(3, "working_days").after(D(2026, 12, 24), "BE") == D(2026, 12, 30)
    # Without holidays the Friday counts: Fri 25, Mon 28, Tue 29.
    plain = Calendar("XX", "UTC")
    assert add_working_days_to_date(plain, D(2026, 12, 24), 3) == D(2026, 12, 29)
    # Friday 17 July 2026: the weekend, then Tuesday 21 July (national day) does not count.
    assert Period(1, "working_days").after(D(2026, 7, 17), "BE") == D(2026, 7, 20)
    assert Period(2, "working_days").after(D(2026, 7, 17), "BE") == D(2026, 7, 22)
    # Starting on a Saturday: the day itself never counts.
    assert Period(1, "working_days").after(D(2026, 7, 18), "BE") == D(2026, 7, 20)
    with pytest.raises(ValueError):
        add_working_days_to_date(plain, D(2026, 1, 1), 0)


def test_majority_date_of_a_leap_day_birth_is_28_february() -> None:
    # The docstring: born on 29 February, the birthday in a year without it is the 28th.
    assert majority_date(D(2008, 2, 29), 18) == D(2026, 2, 28)
    assert majority_date(D(2012, 2, 29), 18) == D(2030, 2, 28)
    assert majority_date(D(2010, 2, 28), 18) == D(2028, 2, 28)
    assert majority_date(D(2010, 5, 1), 18) == D(2028, 5, 1)
    assert majority_date(D(2010, 5, 1), 21) == D(2031, 5, 1)


# --- malformed rule files ---------------------------------------------------------------------

HEADER = """\
schema: opennrm.jurisdiction/1
code: XX
name: {en: Testland, nl: Testland, fr: Testland}
time_zone: Europe/Brussels
public_reports: false
regions:
  - {code: XX-AA, name: {en: Aa, nl: Aa, fr: Aa}}
"""

VALID = HEADER + textwrap.dedent(
    """\
    procedures:
      - code: residence
        name: {en: Residence, nl: Verblijf, fr: Séjour}
        source: "003:L287-L293"
        remind_before: {days: 14, source: default}
        start: [reflection]
        states:
          - code: reflection
            name: {en: Reflection, nl: Bedenktijd, fr: Réflexion}
            duration: {days: 45}
            source: "003:L293"
          - code: permit
            name: {en: Permit, nl: Vergunning, fr: Titre}
            duration: {months: 6}
            renewals: unlimited
            source: "003:L294"
          - code: ended
            name: {en: Ended, nl: Beëindigd, fr: Terminé}
            final: true
            source: "003:L295"
        transitions:
          - code: statement
            from: [reflection]
            to: permit
            name: {en: Statement, nl: Verklaring, fr: Déclaration}
            source: "003:L293"
          - code: end
            from: [reflection, permit]
            to: ended
            name: {en: End, nl: Einde, fr: Fin}
            source: "003:L293"
    """
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "xx.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def variant(old: str, new: str) -> str:
    assert VALID.count(old) == 1, old
    return VALID.replace(old, new)


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, start=1) if needle in line]
    return found[occurrence - 1]


def test_the_valid_template_parses(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    assert parse_jurisdiction(path).code == "XX"
    [rule] = parse_procedures(path, "XX")
    assert rule.key == "XX/residence"
    assert [state.code for state in rule.states] == ["reflection", "permit", "ended"]
    assert rule.state("permit").renewals == UNLIMITED
    assert rule.state("ended").final
    assert rule.line == line_of(path, "- code: residence")
    assert parse_procedures(write(tmp_path, HEADER), "XX") == ()


# (name, old, new, message fragment, the line's needle, which occurrence of the needle)
MALFORMED = [
    ("unknown-key", "    duration: {days: 45}\n",
     "    duration: {days: 45}\n        lenght: {days: 3}\n", "unknown key 'lenght'", "lenght", 1),
    ("two-units", "duration: {days: 45}", "duration: {days: 45, months: 1}",
     "give exactly one of", "duration: {days: 45, months: 1}", 1),
    ("no-unit", "duration: {days: 45}", "duration: {}",
     "give exactly one of", "duration: {}", 1),
    ("source-in-duration", "duration: {days: 45}", "duration: {days: 45, source: default}",
     "unknown key 'source'", "duration: {days: 45, source: default}", 1),
    ("unknown-unit", "duration: {days: 45}", "duration: {weeks: 6}",
     "unknown key 'weeks'", "duration: {weeks: 6}", 1),
    ("zero-days", "duration: {days: 45}", "duration: {days: 0}",
     "'days' must be a whole number of at least 1", "duration: {days: 0}", 1),
    ("renewals-without-duration", "duration: {days: 45}", "renewals: 1",
     "only a state with a duration can be renewed", "renewals: 1", 1),
    ("renewals-not-a-number", "renewals: unlimited", "renewals: often",
     "'renewals' must be a whole number", "renewals: often", 1),
    ("duration-and-milestone", "duration: {days: 45}",
     "duration: {days: 45}\n        milestone: {years: 3, name: {en: M, nl: M, fr: M}}",
     "a duration or a milestone, not both", "milestone:", 1),
    ("final-with-duration", "final: true", "final: true\n        duration: {days: 5}",
     "a final state has no duration or milestone", "final: true", 1),
    ("final-not-boolean", "final: true", "final: 'yes'",
     "'final' must be true or false", "final: 'yes'", 1),
    ("transition-to-unknown-state", "to: permit", "to: permitt",
     "'to' must be one of", "to: permitt", 1),
    ("transition-from-final-state", "from: [reflection, permit]", "from: [reflection, ended]",
     "'ended' is not a valid or new code", "from: [reflection, ended]", 1),
    ("transition-from-unknown-state", "from: [reflection]", "from: [reflexion]",
     "'reflexion' is not a valid or new code", "from: [reflexion]", 1),
    ("no-way-out", "from: [reflection, permit]", "from: [reflection]",
     "the state 'permit' has no way out", "    transitions:", 1),
    ("unknown-start-state", "start: [reflection]", "start: [reflexion]",
     "'reflexion' is not a valid or new code", "start: [reflexion]", 1),
    ("missing-source", '    duration: {days: 45}\n        source: "003:L293"\n',
     "    duration: {days: 45}\n", "'source' is missing", "- code: reflection", 1),
    ("bad-citation", 'source: "003:L294"', 'source: "page 12"',
     "'source' must cite a source line like", 'source: "page 12"', 1),
    ("default-is-no-citation-for-a-state", 'source: "003:L294"', "source: default",
     "'source' must cite a source line like", "source: default", 2),
    ("reversed-range", 'source: "003:L287-L293"', 'source: "003:L293-L287"',
     "ends before it starts", 'source: "003:L293-L287"', 1),
    ("duplicate-state", "  - code: permit\n", "  - code: reflection\n",
     "the state 'reflection' is defined twice", "- code: reflection", 2),
    ("duplicate-transition", "  - code: end\n", "  - code: statement\n",
     "the transition 'statement' is defined twice", "- code: statement", 2),
    ("missing-language", "name: {en: Permit, nl: Vergunning, fr: Titre}",
     "name: {en: Permit, nl: Vergunning}", "'fr' is missing", "name: {en: Permit, nl: Vergunning}",
     1),
    ("bad-state-code", "  - code: permit\n", "  - code: Permit_6\n",
     "'code' has the wrong form", "- code: Permit_6", 1),
    ("remind-without-days", "remind_before: {days: 14, source: default}",
     "remind_before: {source: default}", "'days' is missing", "remind_before:", 1),
    ("key-twice", "    start: [reflection]\n",
     "    start: [reflection]\n    start: [permit]\n", "the key 'start' appears twice",
     "start: [permit]", 1),
    ("not-yaml", "to: permit", "to: [permit", "is not valid YAML", None, 1),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "message", "needle", "occurrence"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_a_malformed_procedure_names_file_line_and_mistake(
    tmp_path: Path, old: str, new: str, message: str, needle: str | None, occurrence: int
) -> None:
    path = write(tmp_path, variant(old, new))
    with pytest.raises(RuleFileError) as caught:
        parse_procedures(path, "XX")
    error = caught.value
    assert message in error.message, error.message
    assert error.path == str(path)
    if needle is not None:
        assert error.line == line_of(path, needle, occurrence)
        assert str(error).startswith(f"{path}:{error.line}: ")
    else:
        assert error.line is not None and error.line > 0


def test_the_default_is_refused_with_a_message_that_does_not_offer_it(tmp_path: Path) -> None:
    path = write(tmp_path, variant('source: "003:L294"', "source: default"))
    with pytest.raises(RuleFileError) as caught:
        parse_procedures(path, "XX")
    assert "(or say" not in caught.value.message


@pytest.fixture
def rules_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """``OPENNRM_RULES_DIR`` pointing at a copy of the shipped rules; caches emptied around it."""
    directory = tmp_path / "rules"
    shutil.copytree(RULES, directory)
    settings.OPENNRM_RULES_DIR = directory
    _reset()
    yield directory
    _reset()


def _reset() -> None:
    jurisdictions.reset_cache()
    procedures.reset_cache()
    calendars.reset_cache()


def test_start_up_check_e106_names_the_file_and_line(rules_dir: Path) -> None:
    assert check_procedures() == []
    bad = VALID.replace("code: XX", "code: ZZ").replace("XX-AA", "ZZ-AA")
    path = rules_dir / "zz.yaml"
    path.write_text(bad.replace("to: permit", "to: permitt"), encoding="utf-8")
    _reset()
    problems = check_procedures()
    assert [problem.id for problem in problems] == ["opennrm.E106"]
    assert problems[0].msg.startswith(f"{path}:{line_of(path, 'to: permitt')}: ")
    # The broken file's procedures are left out; the shipped ones still load.
    assert procedures.get("ZZ/residence") is None
    assert procedures.get("BE/residence") is not None
    # Fixed: no error, and the procedure loads.
    path.write_text(bad, encoding="utf-8")
    _reset()
    assert check_procedures() == []
    assert procedures.get("ZZ/residence") is not None


def test_start_up_check_e107_for_a_malformed_case_deadlines_section(rules_dir: Path) -> None:
    bad = VALID.replace("code: XX", "code: ZZ").replace("XX-AA", "ZZ-AA")
    path = rules_dir / "zz.yaml"
    path.write_text(bad + "case_deadlines:\n  remind_before: {weeks: 2}\n", encoding="utf-8")
    _reset()
    problems = check_procedures()
    assert [problem.id for problem in problems] == ["opennrm.E107"]
    assert problems[0].msg.startswith(f"{path}:{line_of(path, 'weeks: 2')}: ")


# --- case_deadlines ------------------------------------------------------------------------------


def test_case_deadlines_default_without_the_section(tmp_path: Path) -> None:
    rules = parse_case_deadlines(write(tmp_path, VALID))
    assert rules == CaseDeadlineRules()
    assert (rules.age_of_majority, rules.transition_plan_days, rules.remind_days) == (18, 90, 14)
    assert {rules.age_source, rules.transition_plan_source, rules.remind_source} == {"default"}


def test_case_deadlines_custom_section(tmp_path: Path) -> None:
    text = VALID + textwrap.dedent(
        """\
        case_deadlines:
          age_of_majority: {years: 21, source: "001:L5812-L5818"}
          transition_plan_before: {days: 60, source: default}
        """
    )
    rules = parse_case_deadlines(write(tmp_path, text))
    assert (rules.age_of_majority, rules.age_source) == (21, "001:L5812-L5818")
    assert (rules.transition_plan_days, rules.transition_plan_source) == (60, "default")
    assert (rules.remind_days, rules.remind_source) == (14, "default")  # not given: default


def test_shipped_case_deadlines() -> None:
    netherlands = parse_case_deadlines(RULES / "nl.yaml")
    assert (netherlands.age_of_majority, netherlands.age_source) == (18, "001:L5812-L5818")
    belgium = parse_case_deadlines(RULES / "be.yaml")
    assert (belgium.age_of_majority, belgium.transition_plan_days, belgium.remind_days) == (
        18,
        90,
        14,
    )
    assert parse_case_deadlines(RULES / "dk.yaml") == CaseDeadlineRules()


@pytest.mark.parametrize(("section", "message", "needle"), [
    ("  remind_before: {weeks: 2}\n", "unknown key 'weeks'", "weeks: 2"),
    ("  age_of_majority: {years: 0, source: default}\n", "at least 1", "years: 0"),
    ("  transition_plan_before: {days: 90, source: p. 4}\n", "must cite a source line", "p. 4"),
    ("  grace_period: {days: 3}\n", "unknown key 'grace_period'", "grace_period"),
])  # fmt: skip
def test_malformed_case_deadlines(tmp_path: Path, section: str, message: str, needle: str) -> None:
    path = write(tmp_path, VALID + "case_deadlines:\n" + section)
    with pytest.raises(RuleFileError) as caught:
        parse_case_deadlines(path)
    assert message in caught.value.message
    assert caught.value.line == line_of(path, needle)
