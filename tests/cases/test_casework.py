"""The work on a case file: situation, services and placements, interviews, the criminal case,
compensation and what the victim was told (``cases/casework.py`` and its actions on the page).

Every change is checked for what it writes (row, history row, audit event without free text) and
every refusal for what it leaves alone (nothing).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection

from opennrm.cases import casefiles, casework
from opennrm.cases.case_selectors import access_case
from opennrm.cases.models import (
    CaseFile,
    CaseService,
    CaseTransition,
    Compensation,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    Interview,
    JusticeEvent,
    Placement,
    Situation,
    VictimInformation,
)
from opennrm.core.errors import ConcurrentEditError, InvalidInput, NotFoundOrForbidden
from opennrm.core.models import AuditEvent
from tests.cases import world as w
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
D = datetime.date

# Free text that must never leave its encrypted column (history, audit, raw table rows).
PLACE = "Strada Portului 12 Constanta"
NOTE = "Therapist Vermeulen on Tuesdays"
REFERENCE = "PV-2026-000417"
SENTENCE = "Four years imprisonment"
INFO_NOTE = "Explained the verdict with an interpreter"
FREE_TEXT = (PLACE, NOTE, REFERENCE, SENTENCE, INFO_NOTE)


@pytest.fixture
def world(db: Any) -> w.World:
    return w.build()


@pytest.fixture
def clock(monkeypatch: Any) -> w.Clock:
    return w.Clock(monkeypatch, START)


BORN = D(2010, 5, 1)
DASH = "\u2013"  # what the page shows for an unknown value


def _nl_case(world: w.World, born: datetime.date | None = BORN) -> CaseFile:
    return w.open_case(world.noor, world.fier, date_of_birth=born)


def _be_case(world: w.World) -> CaseFile:
    return w.open_case(world.sara, world.payoke)


SITUATION: dict[str, Any] = {
    "sex": "female",
    "relationship": "intimate_partner",
    "citizenships": "ro, bg",
    "languages": "RO en",
    "exploitation_forms": ["sexual", "labour"],
    "sectors": "i",
    "means_of_control": ["debt_bondage"],
    "recruitment_methods": ["online_social_network"],
    "recruitment_country": "ro",
    "recruitment_place": PLACE,
    "recruited_on": "2024-03-01",
    "transit_countries": "HU, AT",
    "exploitation_country": "NL",
    "exploitation_place": "Amsterdam",
    "exploitation_started_on": "2024-04-30",
    "exploitation_ended_on": "2025-12-01",
}


def _counts(case: CaseFile) -> dict[str, int]:
    """Everything a casework service may write, counted (a refusal leaves all of it alone)."""
    return {
        "situation": Situation.objects.filter(case=case).count(),
        "services": CaseService.objects.filter(case=case).count(),
        "placements": Placement.objects.filter(case=case).count(),
        "interviews": Interview.objects.filter(case=case).count(),
        "justice": JusticeEvent.objects.filter(case=case).count(),
        "compensations": Compensation.objects.filter(case=case).count(),
        "information": VictimInformation.objects.filter(case=case).count(),
        "deadlines": Deadline.objects.filter(case=case).count(),
        "open_deadlines": Deadline.objects.filter(case=case, status="open").count(),
        "history": CaseTransition.objects.filter(case=case).count(),
        "updates": AuditEvent.objects.filter(
            object_type="case", object_id=str(case.pk), action="update"
        ).count(),
    }


def _no_free_text_in_history(case: CaseFile) -> None:
    history = json.dumps(
        list(CaseTransition.objects.filter(case=case).values("action", "reason", "details")),
        default=str,
    )
    audit = json.dumps(
        list(AuditEvent.objects.filter(object_type="case").values_list("detail", flat=True))
    )
    leaked = [text for text in FREE_TEXT if text in history or text in audit]
    assert leaked == []


def _actions(case: CaseFile) -> list[str]:
    return list(CaseTransition.objects.filter(case=case).values_list("action", flat=True))


def _audit_actions(case: CaseFile) -> list[dict[str, Any]]:
    return list(
        AuditEvent.objects.filter(object_type="case", object_id=str(case.pk), action="update")
        .order_by("seq")
        .values_list("detail", flat=True)
    )


def _situation(world: w.World, case: CaseFile, **changes: Any) -> Situation:
    return casework.situation_update(
        actor=world.noor, case_id=case.pk, expected_version=0, data={**SITUATION, **changes}
    )


def _errors(call: Callable[[], Any], label: object = "") -> dict[str, list[str]]:
    """The field errors of a refused call (the test fails, naming ``label``, if it passed)."""
    try:
        call()
    except InvalidInput as error:
        return error.errors
    pytest.fail(f"not refused: {label}")


# --- the situation ------------------------------------------------------------------------------


def test_the_situation_is_recorded_as_codes_with_its_scope_history_and_audit(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    row = _situation(world, case)
    row.refresh_from_db()
    assert row.version == 1
    assert (row.sex, row.relationship) == ("female", "intimate_partner")
    assert row.citizenships == ["RO", "BG"]
    assert row.languages == ["ro", "en"]
    assert row.exploitation_forms == ["sexual", "labour"]
    assert row.sectors == ["I"]
    assert row.transit_countries == ["HU", "AT"]
    assert (row.recruitment_country, row.exploitation_country) == ("RO", "NL")
    assert row.recruitment_place == PLACE
    assert row.recruited_on == D(2024, 3, 1)
    assert row.scope == "cross_border"
    assert _actions(case)[-1] == "situation"
    detail = _audit_actions(case)[-1]
    assert detail["action"] == "situation"
    assert {"recruitment_place", "citizenships", "birth_year"} & set(detail["fields"]) == {
        "recruitment_place",
        "citizenships",
    }
    _no_free_text_in_history(case)


def test_saving_the_same_situation_again_changes_nothing(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    _situation(world, case)
    before = _counts(case)
    row = casework.situation_update(
        actor=world.noor, case_id=case.pk, expected_version=1, data=SITUATION
    )
    assert row.version == 1
    assert _counts(case) == before
    row = casework.situation_update(
        actor=world.noor, case_id=case.pk, expected_version=1,
        data={**SITUATION, "transit_countries": "", "exploitation_country": "RO"},
    )  # fmt: skip
    assert (row.version, row.scope) == (2, "internal")
    assert _audit_actions(case)[-1]["fields"] == ["transit_countries", "exploitation_country"]


@pytest.mark.parametrize(
    ("recruited", "exploited", "transit", "scope"),
    [
        ("RO", "RO", [], "internal"),
        ("RO", "NL", [], "cross_border"),
        ("NL", "NL", ["BE"], "cross_border"),
        ("", "", ["BE"], "cross_border"),
        ("RO", "", [], "unknown"),
        ("", "NL", [], "unknown"),
        ("", "", [], "unknown"),
    ],
)
def test_scope_of(recruited: str, exploited: str, transit: list[str], scope: str) -> None:
    values = {
        "recruitment_country": recruited,
        "exploitation_country": exploited,
        "transit_countries": transit,
    }
    assert casework.scope_of(values) == scope


def test_clean_situation_gives_typed_values_and_defaults() -> None:
    values = casework.clean_situation({"birth_year": "2007", "recruited_on": "2020-01-31"})
    assert values["birth_year"] == 2007
    assert values["recruited_on"] == D(2020, 1, 31)
    assert (values["sex"], values["relationship"]) == ("unknown", "unknown")
    assert values["citizenships"] == [] and values["recruitment_country"] == ""


INVALID_SITUATIONS: list[tuple[dict[str, Any], str]] = [
    ({"citizenships": "ROU"}, "citizenships"),
    ({"recruitment_country": "ROU"}, "recruitment_country"),
    ({"exploitation_country": "RO NL"}, "exploitation_country"),
    ({"transit_countries": "Hungary"}, "transit_countries"),
    ({"languages": "romanian"}, "languages"),
    ({"exploitation_forms": ["sexual", "slavery"]}, "exploitation_forms"),
    ({"sectors": "Z"}, "sectors"),
    ({"means_of_control": ["charm"]}, "means_of_control"),
    ({"sex": "f"}, "sex"),
    ({"recruited_on": "2026-03-03"}, "recruited_on"),  # tomorrow
    ({"exploitation_started_on": "2026-12-01"}, "exploitation_started_on"),
    ({"recruited_on": "1.3.2024"}, "recruited_on"),
    (
        {"exploitation_started_on": "2025-06-01", "exploitation_ended_on": "2025-05-31"},
        "exploitation_ended_on",
    ),
    ({"birth_year": 1800}, "birth_year"),
    ({"birth_year": "2027"}, "birth_year"),
    ({"birth_year": "about 2007"}, "birth_year"),
    ({"recruitment_place": "line one\nline two"}, "recruitment_place"),
]


def test_an_invalid_situation_is_refused_and_changes_nothing(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    _situation(world, case)
    before = _counts(case)
    for change, field in INVALID_SITUATIONS:
        errors = _errors(
            partial(
                casework.situation_update, actor=world.noor, case_id=case.pk,
                expected_version=1, data={**SITUATION, **change},
            ),
            change,
        )  # fmt: skip
        assert field in errors, change
        assert _counts(case) == before, change
    row = Situation.objects.get(case=case)
    assert row.version == 1
    assert (row.citizenships, row.recruitment_country, row.birth_year) == (["RO", "BG"], "RO", None)


def test_an_invalid_first_situation_creates_no_row(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    before = _counts(case)
    errors = _errors(lambda: _situation(world, case, recruitment_country="ROU", birth_year=1800))
    assert set(errors) == {"recruitment_country", "birth_year"}
    assert _counts(case) == before
    assert not Situation.objects.filter(case=case).exists()


def test_a_stale_situation_is_a_conflict_and_changes_nothing(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    _situation(world, case)
    before = _counts(case)
    with pytest.raises(ConcurrentEditError):
        _situation(world, case, recruitment_place="Somewhere else", sex="male")
    assert _counts(case) == before
    row = Situation.objects.get(case=case)
    assert (row.version, row.sex, row.recruitment_place) == (1, "female", PLACE)


# --- services -----------------------------------------------------------------------------------


def _service(world: w.World, case: CaseFile, **changes: Any) -> CaseService:
    data = {
        "kind": "psychological",
        "status": "planned",
        "provider": str(world.fier.pk),
        "starts_on": "2026-03-10",
        "sessions": "10",
        "follow_up_on": "2026-04-01",
        "note": NOTE,
        **changes,
    }
    return casework.service_add(actor=world.noor, case_id=case.pk, data=data)


def _follow_ups(case: CaseFile) -> list[tuple[int | None, datetime.date, str]]:
    return list(
        Deadline.objects.filter(case=case, kind=DeadlineKind.SERVICE_FOLLOW_UP)
        .order_by("pk")
        .values_list("subject_id", "due_on", "status")
    )


def test_a_service_with_a_follow_up_date_makes_one_open_deadline_that_follows_it(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    service = _service(world, case)
    service.refresh_from_db()
    assert (service.kind, service.status, service.sessions, service.version) == (
        "psychological", "planned", 10, 1,
    )  # fmt: skip
    assert service.provider_id == world.fier.pk and service.note == NOTE
    deadline = Deadline.objects.get(case=case, kind=DeadlineKind.SERVICE_FOLLOW_UP)
    assert (deadline.subject_id, deadline.due_on, deadline.status) == (
        service.pk, D(2026, 4, 1), DeadlineStatus.OPEN,
    )  # fmt: skip
    assert deadline.remind_on == D(2026, 3, 18)  # NL reminds 14 days before
    base = {"kind": "psychological", "provider": world.fier.pk, "starts_on": "2026-03-10",
            "note": NOTE, "sessions": 10}  # fmt: skip
    service = casework.service_update(
        actor=world.noor, case_id=case.pk, service_id=service.pk, expected_version=1,
        data={**base, "status": "active", "follow_up_on": "2026-04-15"},
    )  # fmt: skip
    assert service.version == 2
    assert _follow_ups(case) == [
        (service.pk, D(2026, 4, 1), "cancelled"),
        (service.pk, D(2026, 4, 15), "open"),
    ]
    service = casework.service_update(
        actor=world.noor, case_id=case.pk, service_id=service.pk, expected_version=2,
        data={**base, "status": "completed", "follow_up_on": "2026-04-15",
              "ends_on": "2026-03-30"},
    )  # fmt: skip
    assert service.version == 3
    assert [status for _s, _d, status in _follow_ups(case)] == ["cancelled", "cancelled"]
    assert _actions(case)[-3:] == ["service", "service", "service"]
    assert _audit_actions(case)[-1] == {"action": "service", "fields": ["status", "ends_on"]}
    _no_free_text_in_history(case)


def test_a_follow_up_soon_is_reminded_today_and_a_finished_service_has_none(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    soon = _service(world, case, follow_up_on="2026-03-05")
    assert Deadline.objects.get(subject_id=soon.pk).remind_on == D(2026, 3, 2)
    done = _service(world, case, status="completed", follow_up_on="2026-03-20")
    assert not Deadline.objects.filter(subject_id=done.pk).exists()
    none = _service(world, case, follow_up_on="")
    assert not Deadline.objects.filter(subject_id=none.pk).exists()


def test_an_invalid_service_is_refused_and_changes_nothing(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    before = _counts(case)
    invalid: list[tuple[dict[str, Any], str]] = [
        ({"kind": "massage"}, "kind"),
        ({"status": ""}, "status"),
        ({"provider": "police-nl2"}, "provider"),
        ({"provider": str(world.payoke.pk)}, "provider"),  # a provider in another country
        ({"provider": "999999"}, "provider"),
        ({"starts_on": "2026-04-01", "ends_on": "2026-03-31"}, "ends_on"),
        ({"sessions": "1001"}, "sessions"),
        ({"sessions": "-1"}, "sessions"),
        ({"follow_up_on": "2040-01-01"}, "follow_up_on"),
        ({"follow_up_on": "01/04/2026"}, "follow_up_on"),
        ({"note": "bell\x07"}, "note"),
    ]
    for change, field in invalid:
        assert field in _errors(partial(_service, world, case, **change), change)
        assert _counts(case) == before, change


def test_a_stale_service_update_is_a_conflict_and_changes_nothing(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    service = _service(world, case)
    data = {"kind": "psychological", "status": "active", "follow_up_on": "2026-04-20"}
    casework.service_update(
        actor=world.noor, case_id=case.pk, service_id=service.pk, expected_version=1, data=data
    )
    before = _counts(case)
    follow_ups = _follow_ups(case)
    with pytest.raises(ConcurrentEditError):
        casework.service_update(
            actor=world.noor, case_id=case.pk, service_id=service.pk, expected_version=1,
            data={**data, "status": "cancelled"},
        )  # fmt: skip
    service.refresh_from_db()
    assert (service.version, service.status) == (2, "active")
    assert _counts(case) == before and _follow_ups(case) == follow_ups


def test_a_service_of_another_case_cannot_be_updated(world: w.World, clock: w.Clock) -> None:
    case, other = _nl_case(world), _nl_case(world)
    service = _service(world, other)
    for service_id in (service.pk, "x", 999999):
        with pytest.raises(NotFoundOrForbidden):
            casework.service_update(
                actor=world.noor, case_id=case.pk, service_id=service_id, expected_version=1,
                data={"kind": "medical", "status": "active"},
            )  # fmt: skip
    service.refresh_from_db()
    assert (service.kind, service.version) == ("psychological", 1)


# --- placements ---------------------------------------------------------------------------------


def _placement(world: w.World, case: CaseFile, started: str, ended: str = "") -> Placement:
    return casework.placement_add(
        actor=world.noor, case_id=case.pk,
        data={"shelter": str(world.fier.pk), "started_on": started, "ended_on": ended},
    )  # fmt: skip


def test_placements_count_their_days_and_may_follow_each_other(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    first = _placement(world, case, "2026-01-10", "2026-02-01")
    second = _placement(world, case, "2026-02-01")  # the day the first one ended
    assert first.days(clock.today()) == 22
    assert second.days(clock.today()) == 29  # ongoing: up to today
    assert second.days(D(2026, 3, 12)) == 39
    ended = casework.placement_end(
        actor=world.noor, case_id=case.pk, placement_id=str(second.pk), ended_on="2026-03-01"
    )
    assert ended.ended_on == D(2026, 3, 1) and ended.days(D(2027, 1, 1)) == 28
    earlier = _placement(world, case, "2025-12-01", "2026-01-10")
    assert earlier.days(clock.today()) == 40
    assert _actions(case)[-4:] == ["placement", "placement", "placement_end", "placement"]


def test_overlapping_placements_are_refused(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    _placement(world, case, "2026-01-10", "2026-02-01")
    _placement(world, case, "2026-02-10")
    before = _counts(case)
    overlapping = [
        ("2026-01-20", "2026-01-25"),  # inside the first stay
        ("2026-01-01", "2026-01-11"),  # ends inside it
        ("2026-01-31", "2026-02-05"),  # begins inside it
        ("2026-01-01", ""),  # open-ended from before it
        ("2026-03-01", ""),  # while the second one lasts
        ("2026-02-25", "2026-02-26"),  # inside the ongoing one
    ]
    for started, ended in overlapping:
        errors = _errors(
            partial(_placement, world, case, started, ended),
            (started, ended),
        )
        assert "started_on" in errors, (started, ended)
        assert _counts(case) == before, (started, ended)
    _placement(world, case, "2026-02-01", "2026-02-10")  # the gap between them fits exactly


def test_an_invalid_placement_is_refused(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    before = _counts(case)
    invalid: list[tuple[dict[str, str], str]] = [
        ({"started_on": "2026-02-10", "ended_on": "2026-02-05"}, "ended_on"),
        ({"started_on": "2026-03-03"}, "started_on"),
        ({"started_on": ""}, "started_on"),
        ({"started_on": "2026-02-10", "shelter": str(world.police_nl.pk)}, "shelter"),
        ({"started_on": "2026-02-10", "shelter": str(world.payoke.pk)}, "shelter"),  # BE
        ({"started_on": "2026-02-10", "shelter": ""}, "shelter"),
    ]
    for data, field in invalid:
        values = {"shelter": str(world.fier.pk), **data}
        errors = _errors(
            partial(casework.placement_add, actor=world.noor, case_id=case.pk, data=values),
            data,
        )
        assert field in errors, data
        assert _counts(case) == before, data


def test_a_placement_ends_once_and_not_before_it_began(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    placement = _placement(world, case, "2026-02-10")

    def end(day: str, placement_id: object = placement.pk) -> Placement:
        return casework.placement_end(
            actor=world.noor, case_id=case.pk, placement_id=placement_id, ended_on=day
        )

    before = _counts(case)
    for day in ("2026-02-09", "2026-03-03", ""):
        assert "ended_on" in _errors(partial(end, day), day)
    assert _counts(case) == before
    end("2026-02-20")
    after = _counts(case)
    assert "ended_on" in _errors(lambda: end("2026-02-25"))
    placement.refresh_from_db()
    assert placement.ended_on == D(2026, 2, 20)
    assert _counts(case) == after
    other = _placement(world, _nl_case(world), "2026-01-01")
    for placement_id in (other.pk, "x"):
        with pytest.raises(NotFoundOrForbidden):
            end("2026-02-01", placement_id)
    other.refresh_from_db()
    assert other.ended_on is None


# --- interviews ---------------------------------------------------------------------------------


def _interview(world: w.World, case: CaseFile, held: str, **changes: Any) -> Interview:
    data = {
        "held_on": held,
        "interviewer_organisation": str(world.police_nl.pk),
        "interviewer": str(world.pim.pk),
        "certified_interviewer": True,
        "audio_visual": True,
        **changes,
    }
    return casework.interview_add(actor=world.noor, case_id=case.pk, data=data)


def test_a_minor_heard_twice_is_counted_from_the_date_of_birth(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world, born=D(2008, 2, 15))
    first = _interview(world, case, "2026-02-14")  # the day before the 18th birthday
    assert first.minor_at_the_time is True
    assert (first.interviewer_id, first.certified_interviewer, first.child_friendly_room) == (
        world.pim.pk, True, False,
    )  # fmt: skip
    assert casework.minor_heard_more_than_once(case) == 0
    adult = _interview(world, case, "2026-02-15")  # the 18th birthday
    assert adult.minor_at_the_time is False
    assert casework.minor_heard_more_than_once(case) == 0
    _interview(world, case, "2025-06-01", interviewer="")
    assert casework.minor_heard_more_than_once(case) == 2
    assert _actions(case)[-3:] == ["interview"] * 3


@pytest.mark.parametrize(("birth_year", "minor"), [(2012, True), (1990, False), (None, False)])
def test_without_a_date_of_birth_the_situation_year_of_birth_decides(
    world: w.World, clock: w.Clock, birth_year: int | None, minor: bool
) -> None:
    case = _nl_case(world, born=None)
    if birth_year:
        _situation(world, case, birth_year=str(birth_year))
    assert _interview(world, case, "2026-03-01").minor_at_the_time is minor


def test_a_year_of_birth_that_may_make_the_person_17_flags_the_interview(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world, born=None)
    _situation(world, case, birth_year="2008")
    assert _interview(world, case, "2026-03-01").minor_at_the_time is True


def test_an_invalid_interview_is_refused_and_changes_nothing(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    before = _counts(case)
    invalid: list[tuple[str, dict[str, str], str]] = [
        ("2026-02-01", {"interviewer": str(world.noor.pk)}, "interviewer"),  # not of the police
        ("2026-02-01", {"interviewer": str(world.piet.pk)}, "interviewer"),  # other police
        ("2026-02-01", {"interviewer": "999999"}, "interviewer"),
        ("2026-03-03", {}, "held_on"),
        ("", {}, "held_on"),
        ("2026-02-01", {"interviewer_organisation": ""}, "interviewer_organisation"),
    ]
    for held, change, field in invalid:
        errors = _errors(
            partial(_interview, world, case, held, **change),
            (held, change),
        )
        assert field in errors, (held, change)
        assert _counts(case) == before, (held, change)
    # The same interviewer with the organisation he works for is accepted.
    _interview(world, case, "2026-02-01", interviewer=str(world.piet.pk),
               interviewer_organisation=str(world.police_be.pk))  # fmt: skip
    assert _counts(case)["interviews"] == 1


# --- the criminal case and informing the person -------------------------------------------------


def _justice(world: w.World, case: CaseFile, kind: str, day: str, **changes: Any) -> JusticeEvent:
    data = {"kind": kind, "decided_on": day, "authority": str(world.police_nl.pk), **changes}
    return casework.justice_add(actor=world.noor, case_id=case.pk, data=data)


def test_justice_keeps_the_reason_only_when_not_prosecuted_and_the_sentence_when_convicted(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    before = _counts(case)
    assert "reason" in _errors(lambda: _justice(world, case, "not_prosecuted", "2026-01-05"))
    assert _counts(case) == before
    dropped = _justice(
        world, case, "not_prosecuted", "2026-01-05",
        reason="insufficient_evidence", sentence=SENTENCE, confiscation=True,
    )  # fmt: skip
    convicted = _justice(world, case, "convicted", "2026-02-01", reference=REFERENCE,
                         reason="other", sentence=SENTENCE, confiscation=True)  # fmt: skip
    charged = _justice(world, case, "charged", "2026-01-20", sentence=SENTENCE, confiscation="on")
    rows = {row.pk: row for row in JusticeEvent.objects.filter(case=case)}
    assert (rows[dropped.pk].reason, rows[dropped.pk].sentence, rows[dropped.pk].confiscation) == (
        "insufficient_evidence", "", False,
    )  # fmt: skip
    assert (rows[convicted.pk].reason, rows[convicted.pk].sentence) == ("", SENTENCE)
    assert rows[convicted.pk].confiscation is True
    assert rows[convicted.pk].reference == REFERENCE
    assert (rows[charged.pk].sentence, rows[charged.pk].confiscation) == ("", False)
    history = CaseTransition.objects.filter(case=case, action="justice").order_by("pk")
    assert list(history.values_list("reason", flat=True)) == [
        "not_prosecuted", "convicted", "charged",
    ]  # fmt: skip
    _no_free_text_in_history(case)


def test_an_invalid_justice_event_is_refused(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    before = _counts(case)
    invalid: list[tuple[dict[str, str], str]] = [
        ({"kind": "pardoned", "decided_on": "2026-01-05"}, "kind"),
        ({"kind": "charged", "decided_on": ""}, "decided_on"),
        ({"kind": "charged", "decided_on": "2026-03-03"}, "decided_on"),
        ({"kind": "not_prosecuted", "decided_on": "2026-01-05"}, "reason"),
        ({"kind": "not_prosecuted", "decided_on": "2026-01-05", "reason": "luck"}, "reason"),
        ({"kind": "charged", "decided_on": "2026-01-05", "reference": "a\nb"}, "reference"),
        ({"kind": "charged", "decided_on": "2026-01-05", "authority": "0"}, "authority"),
    ]
    for data, field in invalid:
        errors = _errors(
            partial(casework.justice_add, actor=world.noor, case_id=case.pk, data=data),
            data,
        )
        assert field in errors, data
        assert _counts(case) == before, data


def test_a_justice_event_nobody_told_the_person_about_is_listed(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    investigation = _justice(world, case, "investigation", "2025-11-01", reference=REFERENCE)
    verdict = _justice(world, case, "convicted", "2026-02-01", sentence=SENTENCE)
    assert casework.uninformed_justice_events(case) == [investigation, verdict]
    before = _counts(case)
    too_early = {"informed_on": "2026-01-31", "topic": "verdict", "justice_event": verdict.pk}
    errors = _errors(
        lambda: casework.information_add(actor=world.noor, case_id=case.pk, data=too_early)
    )
    assert "informed_on" in errors
    assert _counts(case) == before
    told = casework.information_add(
        actor=world.noor, case_id=case.pk,
        data={"informed_on": "2026-02-01", "topic": "verdict", "justice_event": str(verdict.pk),
              "note": INFO_NOTE},
    )  # fmt: skip
    told.refresh_from_db()
    assert (told.justice_event_id, told.informed_by_id, told.note) == (
        verdict.pk, world.noor.pk, INFO_NOTE,
    )  # fmt: skip
    assert casework.uninformed_justice_events(case) == [investigation]
    casework.information_add(
        actor=world.noor, case_id=case.pk, data={"informed_on": "2026-02-02", "topic": "rights"}
    )
    assert casework.uninformed_justice_events(case) == [investigation]
    assert _actions(case)[-2:] == ["informed", "informed"]
    _no_free_text_in_history(case)


def test_invalid_information_is_refused(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    other = _justice(world, _nl_case(world), "charged", "2026-01-01")
    before = _counts(case)
    invalid: list[tuple[dict[str, str], str]] = [
        ({"informed_on": "", "topic": "rights"}, "informed_on"),
        ({"informed_on": "2026-03-03", "topic": "rights"}, "informed_on"),
        ({"informed_on": "2026-02-01", "topic": "gossip"}, "topic"),
        ({"informed_on": "2026-02-01", "topic": "rights", "note": "a\x00b"}, "note"),
        ({"informed_on": "2026-02-01", "topic": "verdict", "justice_event": str(other.pk)},
         "justice_event"),  # a step of another case
        ({"informed_on": "2026-02-01", "topic": "verdict", "justice_event": "x"},
         "justice_event"),
    ]  # fmt: skip
    for data, field in invalid:
        errors = _errors(
            partial(casework.information_add, actor=world.noor, case_id=case.pk, data=data),
            data,
        )
        assert field in errors, data
        assert _counts(case) == before, data


# --- compensation -------------------------------------------------------------------------------


def _claim(world: w.World, case: CaseFile, actor: Any = None, **changes: Any) -> Compensation:
    data = {"claimed_on": "2025-03-01", "amount_claimed": "5000", **changes}
    return casework.compensation_add(actor=actor or world.noor, case_id=case.pk, data=data)


def _advances(case: CaseFile) -> list[tuple[int | None, datetime.date, str, str]]:
    return list(
        Deadline.objects.filter(case=case, kind=DeadlineKind.COMPENSATION)
        .order_by("pk")
        .values_list("subject_id", "due_on", "status", "source")
    )


@pytest.mark.parametrize(
    ("awarded", "due"),
    [
        ("2025-06-30", D(2026, 2, 28)),
        ("2025-12-31", D(2026, 8, 31)),
        ("2025-07-15", D(2026, 3, 15)),
    ],
)
def test_nl_an_unpaid_award_is_advanced_by_the_state_8_months_after_the_judgement(
    world: w.World, clock: w.Clock, awarded: str, due: datetime.date
) -> None:
    case = _nl_case(world)
    row = _claim(world, case, awarded_on=awarded, amount_awarded="1.500,50")
    assert row.amount_awarded == 150050
    assert casework.state_advance_date(case, row) == due
    assert _advances(case) == [(row.pk, due, "open", "001:L1234-L1239")]
    row = casework.compensation_update(
        actor=world.noor, case_id=case.pk, compensation_id=row.pk, expected_version=1,
        data={"claimed_on": "2025-03-01", "amount_claimed": "5000", "awarded_on": awarded,
              "amount_awarded": "1500.50", "paid_on": "2026-03-01", "amount_paid": "1500.50",
              "paid_by_state": True},
    )  # fmt: skip
    assert (row.version, row.amount_paid, row.paid_by_state) == (2, 150050, True)
    assert casework.state_advance_date(case, row) is None
    assert _advances(case) == [(row.pk, due, "done", "001:L1234-L1239")]
    assert _audit_actions(case)[-1] == {
        "action": "compensation", "fields": ["paid_on", "amount_paid", "paid_by_state"],
    }  # fmt: skip


def test_nl_a_claim_without_an_award_or_already_paid_has_no_state_advance(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    claimed = _claim(world, case)
    paid = _claim(world, case, awarded_on="2025-06-30", amount_awarded="800",
                  paid_on="2025-07-01", amount_paid="800")  # fmt: skip
    assert casework.state_advance_date(case, claimed) is None
    assert casework.state_advance_date(case, paid) is None
    assert _advances(case) == []
    assert _actions(case)[-2:] == ["compensation", "compensation"]


def test_nl_a_later_award_moves_the_state_advance_date(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    row = _claim(world, case)
    base = {"claimed_on": "2025-03-01", "amount_claimed": "5000", "amount_awarded": "900"}
    row = casework.compensation_update(
        actor=world.noor, case_id=case.pk, compensation_id=row.pk, expected_version=1,
        data={**base, "awarded_on": "2025-06-30"},
    )  # fmt: skip
    row = casework.compensation_update(
        actor=world.noor, case_id=case.pk, compensation_id=row.pk, expected_version=2,
        data={**base, "awarded_on": "2025-07-31"},
    )  # fmt: skip
    open_rows = [(due, status) for _s, due, status, _src in _advances(case) if status == "open"]
    assert open_rows == [(D(2026, 3, 31), "open")]
    # The superseded date was not paid: it is cancelled, not "done".
    assert (D(2026, 2, 28), "cancelled") in [
        (due, status) for _s, due, status, _src in _advances(case)
    ]


def test_codes_and_numbers_take_ascii_digits_and_errors_repeat_no_value(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    for data, field in (
        ({"citizenships": "ZZTOP"}, "citizenships"),
        ({"birth_year": "\u0662\u0660\u0660\u0667"}, "birth_year"),  # Arabic-Indic 2007
    ):
        with pytest.raises(InvalidInput) as error:
            casework.situation_update(
                actor=world.noor, case_id=case.pk, expected_version=0, data=data
            )
        assert field in error.value.errors
        assert "ZZTOP" not in str(error.value.errors)
    with pytest.raises(InvalidInput) as error:
        casework.compensation_add(
            actor=world.noor, case_id=case.pk,
            data={"claimed_on": "2025-03-01", "amount_claimed": "\u0661\u0665\u0660\u0660"},
        )  # fmt: skip
    assert "amount_claimed" in error.value.errors


def test_be_has_no_state_advance(world: w.World, clock: w.Clock) -> None:
    case = _be_case(world)
    row = _claim(world, case, actor=world.sara, awarded_on="2025-06-30", amount_awarded="1500")
    assert row.amount_awarded == 150000
    assert casework.state_advance_date(case, row) is None
    assert _advances(case) == []


def test_amounts_are_stored_in_cents(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    amounts = [
        ("1500", 150000),
        ("1500.50", 150050),
        ("1.500,50", 150050),
        ("1500,50", 150050),
        ("1,500.50", 150050),
        ("1.500", 150000),
        ("1.500.000", 150000000),
        ("150,5", 15050),
        ("0.29", 29),
        ("1.50", 150),
        (" 1 500 ", 150000),
        ("1\u00a0500,50", 150050),
    ]
    stored = []
    for text, _cents in amounts:
        row = _claim(world, case, amount_claimed=text)
        row.refresh_from_db()
        stored.append((text, row.amount_claimed))
    assert stored == amounts


INVALID_COMPENSATIONS: list[tuple[dict[str, str], str]] = [
    ({"amount_claimed": "12,3,4"}, "amount_claimed"),
    ({"amount_claimed": "1,500,50"}, "amount_claimed"),
    ({"amount_claimed": "1.500.50"}, "amount_claimed"),
    ({"amount_claimed": "1.5.0"}, "amount_claimed"),
    ({"amount_claimed": "-5"}, "amount_claimed"),
    ({"amount_claimed": "1500.505"}, "amount_claimed"),
    ({"amount_claimed": "EUR 5"}, "amount_claimed"),
    ({"amount_claimed": "99999999999"}, "amount_claimed"),  # over 10^12 cents
    ({"amount_paid": "1e3"}, "amount_paid"),
    ({"claimed_on": ""}, "claimed_on"),
    ({"claimed_on": "2026-03-03"}, "claimed_on"),
    ({"awarded_on": "2025-02-28", "amount_awarded": "10"}, "awarded_on"),  # before the claim
    ({"amount_awarded": "10"}, "awarded_on"),
    ({"awarded_on": "2025-06-30", "paid_on": "2025-06-29"}, "paid_on"),
    ({"paid_on": "2025-06-29"}, "paid_on"),
]


def test_an_invalid_compensation_is_refused_and_changes_nothing(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    before = _counts(case)
    for change, field in INVALID_COMPENSATIONS:
        assert field in _errors(partial(_claim, world, case, **change), change)
        assert _counts(case) == before, change


def test_a_payment_before_the_judgement_is_refused_on_update_too(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    row = _claim(world, case, awarded_on="2025-06-30", amount_awarded="1500")
    before, advances = _counts(case), _advances(case)
    paid_early = {
        "claimed_on": "2025-03-01", "awarded_on": "2025-06-30", "amount_awarded": "1500",
        "paid_on": "2025-06-01", "amount_paid": "1500",
    }  # fmt: skip
    errors = _errors(
        lambda: casework.compensation_update(
            actor=world.noor,
            case_id=case.pk,
            compensation_id=row.pk,
            expected_version=1,
            data=paid_early,
        )
    )
    assert "paid_on" in errors
    row.refresh_from_db()
    assert (row.version, row.paid_on) == (1, None)
    assert _counts(case) == before and _advances(case) == advances


def test_a_stale_compensation_update_is_a_conflict_and_changes_nothing(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    row = _claim(world, case)
    data = {"claimed_on": "2025-03-01", "awarded_on": "2025-06-30", "amount_awarded": "1500"}
    casework.compensation_update(
        actor=world.noor, case_id=case.pk, compensation_id=row.pk, expected_version=1, data=data
    )
    before, advances = _counts(case), _advances(case)
    with pytest.raises(ConcurrentEditError):
        casework.compensation_update(
            actor=world.noor, case_id=case.pk, compensation_id=row.pk, expected_version=1,
            data={**data, "paid_on": "2025-07-01", "amount_paid": "1500"},
        )  # fmt: skip
    row.refresh_from_db()
    assert (row.version, row.paid_on) == (2, None)
    assert _counts(case) == before and _advances(case) == advances
    with pytest.raises(NotFoundOrForbidden):
        casework.compensation_update(
            actor=world.noor, case_id=_nl_case(world).pk, compensation_id=row.pk,
            expected_version=2, data=data,
        )  # fmt: skip


# --- who may work on it -------------------------------------------------------------------------


def test_the_police_contact_sees_the_case_but_changes_nothing_and_outsiders_neither(
    world: w.World, clock: w.Clock
) -> None:
    case = _be_case(world)
    case = casefiles.case_set_team(
        actor=world.sara, case_id=case.pk, expected_version=case.version,
        unaccompanied_minor=False, police_organisation_id=world.police_be.pk,
        police_contact_id=world.piet.pk,
    )  # fmt: skip
    casework.situation_update(
        actor=world.sara, case_id=case.pk, expected_version=0, data={"sex": "male"}
    )
    service = casework.service_add(
        actor=world.sara, case_id=case.pk, data={"kind": "medical", "status": "planned"}
    )
    placement = casework.placement_add(
        actor=world.sara, case_id=case.pk,
        data={"shelter": str(world.payoke.pk), "started_on": "2026-02-01"},
    )  # fmt: skip
    event = casework.justice_add(
        actor=world.sara, case_id=case.pk, data={"kind": "charged", "decided_on": "2026-02-01"}
    )
    compensation = _claim(world, case, actor=world.sara)
    assert access_case(actor=world.piet, case_id=case.pk).pk == case.pk
    with pytest.raises(NotFoundOrForbidden):
        access_case(actor=world.otto, case_id=case.pk)
    before = _counts(case)
    changes: list[Callable[[Any], Any]] = [
        lambda actor: casework.situation_update(
            actor=actor, case_id=case.pk, expected_version=1, data={"sex": "female"}
        ),
        lambda actor: casework.service_add(
            actor=actor, case_id=case.pk, data={"kind": "medical", "status": "planned"}
        ),
        lambda actor: casework.service_update(
            actor=actor, case_id=case.pk, service_id=service.pk, expected_version=1,
            data={"kind": "medical", "status": "cancelled"},
        ),
        lambda actor: casework.placement_add(
            actor=actor, case_id=case.pk,
            data={"shelter": str(world.payoke.pk), "started_on": "2025-01-01",
                  "ended_on": "2025-01-05"},
        ),
        lambda actor: casework.placement_end(
            actor=actor, case_id=case.pk, placement_id=placement.pk, ended_on="2026-02-10"
        ),
        lambda actor: casework.interview_add(
            actor=actor, case_id=case.pk,
            data={"held_on": "2026-02-01", "interviewer_organisation": str(world.police_be.pk)},
        ),
        lambda actor: casework.justice_add(
            actor=actor, case_id=case.pk, data={"kind": "charged", "decided_on": "2026-02-02"}
        ),
        lambda actor: casework.compensation_add(
            actor=actor, case_id=case.pk, data={"claimed_on": "2026-01-01"}
        ),
        lambda actor: casework.compensation_update(
            actor=actor, case_id=case.pk, compensation_id=compensation.pk, expected_version=1,
            data={"claimed_on": "2025-03-01", "awarded_on": "2025-06-30",
                  "amount_awarded": "10"},
        ),
        lambda actor: casework.information_add(
            actor=actor, case_id=case.pk,
            data={"informed_on": "2026-02-02", "topic": "decision",
                  "justice_event": str(event.pk)},
        ),
    ]  # fmt: skip
    for actor in (world.piet, world.otto):
        for change in changes:
            with pytest.raises(NotFoundOrForbidden):
                change(actor)
    assert _counts(case) == before
    denied = AuditEvent.objects.filter(
        action="denied", object_type="case", object_id=str(case.pk), detail={"action": "change"}
    )
    assert denied.filter(actor_id=world.piet.pk).count() == len(changes)
    placement.refresh_from_db()
    service.refresh_from_db()
    assert placement.ended_on is None and service.status == "planned"


def test_the_police_contact_reads_the_page_without_forms_and_cannot_post(
    world: w.World, clock: w.Clock
) -> None:
    case = _be_case(world)
    casefiles.case_set_team(
        actor=world.sara, case_id=case.pk, expected_version=case.version,
        unaccompanied_minor=False, police_organisation_id=world.police_be.pk,
        police_contact_id=world.piet.pk,
    )  # fmt: skip
    casework.justice_add(
        actor=world.sara, case_id=case.pk, data={"kind": "charged", "decided_on": "2026-02-01"}
    )
    before = _counts(case)
    piet = verified_client(world.piet)
    response = piet.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="justice"' in page and "Person not informed" in page
    assert f"/cases/{case.pk}/situation/" not in page
    assert f"/cases/{case.pk}/justice/" not in page
    posts = {
        "situation": {"version": "0", "sex": "male", "relationship": "unknown"},
        "justice": {"kind": "charged", "decided_on": "2026-02-02"},
        "informed": {"informed_on": "2026-02-02", "topic": "rights"},
    }
    for action, data in posts.items():
        assert piet.post(f"/cases/{case.pk}/{action}/", data).status_code == 404
    otto = verified_client(world.otto)
    assert otto.get(f"/cases/{case.pk}/").status_code == 404
    assert otto.post(f"/cases/{case.pk}/informed/", posts["informed"]).status_code == 404
    assert _counts(case) == before


def test_a_closed_case_takes_no_new_service_or_placement(world: w.World, clock: w.Clock) -> None:
    case = _be_case(world)
    case = casefiles.case_step(
        actor=world.sara, case_id=case.pk, expected_version=case.version, action="advance"
    )
    case = casefiles.case_step(
        actor=world.sara, case_id=case.pk, expected_version=case.version,
        action="request_closure", reason="goals_met",
    )  # fmt: skip
    case = casefiles.case_step(
        actor=world.cody, case_id=case.pk, expected_version=case.version, action="approve_closure"
    )
    before = _counts(case)
    assert "__all__" in _errors(
        lambda: casework.service_add(
            actor=world.sara, case_id=case.pk, data={"kind": "medical", "status": "planned"}
        )
    )
    stay = {"shelter": str(world.payoke.pk), "started_on": "2026-02-01"}
    assert "__all__" in _errors(
        lambda: casework.placement_add(actor=world.sara, case_id=case.pk, data=stay)
    )
    assert _counts(case) == before


# --- encryption at rest -------------------------------------------------------------------------


def test_free_text_is_encrypted_in_the_tables(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    _situation(world, case)
    _service(world, case)
    event = _justice(world, case, "convicted", "2026-02-01", reference=REFERENCE,
                     sentence=SENTENCE)  # fmt: skip
    casework.information_add(
        actor=world.noor, case_id=case.pk,
        data={"informed_on": "2026-02-02", "topic": "verdict", "justice_event": str(event.pk),
              "note": INFO_NOTE},
    )  # fmt: skip
    columns = [
        (Situation, "recruitment_place", PLACE),
        (CaseService, "note", NOTE),
        (JusticeEvent, "reference", REFERENCE),
        (JusticeEvent, "sentence", SENTENCE),
        (VictimInformation, "note", INFO_NOTE),
    ]
    for model, name, text in columns:
        assert getattr(model._default_manager.get(case=case), name) == text  # read back
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(getattr(model._meta.get_field(name), "column", name))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 (names from the models)
            raw = [value for (value,) in cursor.fetchall()]
        assert len(raw) == 1 and raw[0]
        stored = raw[0] if isinstance(raw[0], str) else bytes(raw[0]).decode("latin-1")
        assert text not in stored, f"{model.__name__}.{name} is stored in plaintext"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            whole_rows = repr(cursor.fetchall())
        assert text not in whole_rows, f"{model.__name__} holds {name} in plaintext"


# --- the case page and its actions --------------------------------------------------------------


def _cell(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">(.*?)</dd>', page, re.S)
    assert found is not None, f"#{element_id} is missing"
    return re.sub(r"\s+", " ", found.group(1)).strip()


def test_the_page_shows_ages_at_identification_and_at_the_start_of_exploitation(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)  # born 2010-05-01
    client = verified_client(world.noor)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert (_cell(page, "age-identification"), _cell(page, "age-exploitation")) == (DASH, DASH)
    casefiles.case_set_identification(
        actor=world.noor, case_id=case.pk, expected_version=case.version, status="identified",
        decided_by_id=world.police_nl.pk, decided_on="2026-03-01",
    )  # fmt: skip
    _situation(world, case)  # exploitation began 2024-04-30, the day before the 14th birthday
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert _cell(page, "age-identification") == "15"
    assert _cell(page, "age-exploitation") == "13"
    assert _cell(page, "scope") == "Cross-border"


def test_without_a_date_of_birth_the_ages_come_from_the_year_of_birth(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world, born=None)
    casefiles.case_set_identification(
        actor=world.noor, case_id=case.pk, expected_version=case.version, status="presumed",
        decided_by_id=world.fier.pk, decided_on="2026-02-01",
    )  # fmt: skip
    _situation(world, case, birth_year="2008")
    page = verified_client(world.noor).get(f"/cases/{case.pk}/").content.decode()
    assert _cell(page, "age-identification") == "18 (from the year of birth)"
    assert _cell(page, "age-exploitation") == "16 (from the year of birth)"


def test_the_page_shows_each_section_and_its_warnings(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    _situation(world, case)
    _service(world, case)
    _placement(world, case, "2026-02-20")
    _interview(world, case, "2026-01-10")
    _interview(world, case, "2026-02-10")
    _justice(world, case, "charged", "2026-02-01", reference=REFERENCE)
    row = _claim(world, case, awarded_on="2025-06-30", amount_awarded="1500")
    client = verified_client(world.noor)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    for section in ("situation", "services", "interviews", "justice", "informed"):
        assert f'id="{section}"' in page, section
    assert "Person not informed" in page
    assert "heard 2 times as a minor" in page
    assert "State advance due" in page and 'id="state-advance"' in page
    assert re.search(r'govuk-table__cell--numeric">\s*10\s*</td>', page)  # days in placement
    casework.compensation_update(
        actor=world.noor, case_id=case.pk, compensation_id=row.pk, expected_version=1,
        data={"claimed_on": "2025-03-01", "amount_claimed": "5000", "awarded_on": "2025-06-30",
              "amount_awarded": "1500", "paid_on": "2026-03-01", "amount_paid": "1500"},
    )  # fmt: skip
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "State advance due" not in page
    assert "heard 2 times as a minor" in page


def test_every_action_works_through_the_page(world: w.World, clock: w.Clock) -> None:
    case = _nl_case(world)
    client = verified_client(world.noor)
    url = f"/cases/{case.pk}"

    def post(action: str, data: dict[str, Any], anchor: str) -> None:
        response = client.post(f"{url}/{action}/", data)
        assert response.status_code == 302, (action, response.status_code)
        assert response["Location"] == f"{url}/{anchor}", action

    post("situation", {"version": "0", "sex": "female", "relationship": "unknown",
                       "citizenships": "RO", "recruitment_country": "RO",
                       "exploitation_country": "RO", "recruitment_place": PLACE,
                       "exploitation_forms": ["sexual"]}, "#situation")  # fmt: skip
    situation = Situation.objects.get(case=case)
    assert (situation.scope, situation.recruitment_place, situation.exploitation_forms) == (
        "internal", PLACE, ["sexual"],
    )  # fmt: skip
    post("service", {"kind": "psychological", "status": "planned", "provider": world.fier.pk,
                     "follow_up_on": "2026-04-01", "note": NOTE}, "#services")  # fmt: skip
    service = CaseService.objects.get(case=case)
    post("service-update", {"service": service.pk, f"s{service.pk}-version": "1",
                            f"s{service.pk}-status": "active",
                            f"s{service.pk}-sessions": "6",
                            f"s{service.pk}-follow_up_on": "2026-04-10"}, "#services")  # fmt: skip
    service.refresh_from_db()
    assert (service.status, service.sessions, service.note, service.version) == (
        "active", 6, NOTE, 2,
    )  # fmt: skip
    assert _follow_ups(case)[-1] == (service.pk, D(2026, 4, 10), "open")
    post("placement", {"shelter": world.fier.pk, "started_on": "2026-02-01"}, "#services")
    placement = Placement.objects.get(case=case)
    post("placement-end", {"placement": placement.pk, "ended_on": "2026-02-15"}, "#services")
    placement.refresh_from_db()
    assert placement.ended_on == D(2026, 2, 15)
    post("interview", {"held_on": "2026-02-03", "interviewer_organisation": world.police_nl.pk,
                       "interviewer": world.pim.pk, "child_friendly_room": "on"},
         "#interviews")  # fmt: skip
    interview = Interview.objects.get(case=case)
    assert (interview.interviewer_id, interview.child_friendly_room) == (world.pim.pk, True)
    post("justice", {"kind": "convicted", "decided_on": "2026-02-20", "reference": REFERENCE,
                     "sentence": SENTENCE, "confiscation": "on"}, "#justice")  # fmt: skip
    event = JusticeEvent.objects.get(case=case)
    post("compensation", {"claimed_on": "2026-01-05", "amount_claimed": "1.500,50"}, "#justice")
    claim = Compensation.objects.get(case=case)
    assert claim.amount_claimed == 150050
    post("compensation-update", {"compensation": claim.pk, f"c{claim.pk}-version": "1",
                                 f"c{claim.pk}-awarded_on": "2026-02-20",
                                 f"c{claim.pk}-amount_awarded": "1200"}, "#justice")  # fmt: skip
    claim.refresh_from_db()
    assert (claim.amount_claimed, claim.amount_awarded, claim.version) == (150050, 120000, 2)
    assert _advances(case) == [(claim.pk, D(2026, 10, 20), "open", "001:L1234-L1239")]
    post("informed", {"informed_on": "2026-02-21", "topic": "verdict",
                      "justice_event": event.pk, "note": INFO_NOTE}, "#informed")  # fmt: skip
    assert casework.uninformed_justice_events(case) == []
    assert [a for a in _actions(case) if a != "open"] == [
        "situation", "service", "service", "placement", "placement_end", "interview", "justice",
        "compensation", "compensation", "informed",
    ]  # fmt: skip
    assert [detail["action"] for detail in _audit_actions(case)] == [
        a for a in _actions(case) if a != "open"
    ]
    _no_free_text_in_history(case)


def test_invalid_input_through_the_page_is_a_400_and_changes_nothing(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    placement = _placement(world, case, "2026-02-01", "2026-02-10")
    client = verified_client(world.noor)
    before = _counts(case)
    posts = [
        ("situation", {"version": "0", "sex": "female", "relationship": "unknown",
                       "citizenships": "ROU"}),
        ("situation", {"version": "0", "sex": "female", "relationship": "unknown",
                       "exploitation_started_on": "2025-06-01",
                       "exploitation_ended_on": "2025-05-01"}),
        ("placement", {"shelter": world.fier.pk, "started_on": "2026-02-05"}),
        ("placement-end", {"placement": placement.pk, "ended_on": "2026-02-12"}),
        ("justice", {"kind": "not_prosecuted", "decided_on": "2026-02-01"}),
        ("compensation", {"claimed_on": "2026-01-05", "amount_claimed": "12,3,4"}),
        ("interview", {"held_on": "2026-02-03", "interviewer_organisation": world.fier.pk,
                       "interviewer": world.pim.pk}),
    ]  # fmt: skip
    for action, data in posts:
        response = client.post(f"/cases/{case.pk}/{action}/", data)
        assert response.status_code == 400, action
    assert _counts(case) == before


def test_a_stale_situation_form_is_a_409_that_keeps_what_was_typed(
    world: w.World, clock: w.Clock
) -> None:
    case = _nl_case(world)
    _situation(world, case)  # someone else saved it meanwhile (version 1)
    before = _counts(case)
    client = verified_client(world.noor)
    typed = {"version": "0", "sex": "male", "relationship": "employer", "citizenships": "BG",
             "recruitment_place": "Typed harbour quay 9"}  # fmt: skip
    response = client.post(f"/cases/{case.pk}/situation/", typed)
    assert response.status_code == 409
    page = response.content.decode()
    form = re.search(rf'action="/cases/{case.pk}/situation/".*?</form>', page, re.S)
    assert form is not None
    html = form.group(0)
    assert 'value="Typed harbour quay 9"' in html
    assert 'value="BG"' in html
    assert re.search(r'name="version" value="1"', html)
    assert re.search(r'value="employer"[^>]*selected', html)
    assert _counts(case) == before
    row = Situation.objects.get(case=case)
    assert (row.version, row.sex, row.recruitment_place) == (1, "female", PLACE)
    response = client.post(f"/cases/{case.pk}/situation/", {**typed, "version": "1"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.version, row.sex, row.citizenships) == (2, "male", ["BG"])
