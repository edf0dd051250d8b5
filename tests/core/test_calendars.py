"""Working days per jurisdiction (``core.calendars``): weekends, public holidays, the local day in
the jurisdiction's time zone; malformed ``calendar`` sections fail the start-up check with file and
line (``opennrm.E104``); a calendar about to run out is warned about (``opennrm.W105``)."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from opennrm.core import calendars, jurisdictions
from opennrm.core.rulefiles import RuleFileError
from opennrm.referrals import routing
from opennrm.referrals.checks import check_calendars

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
AUCKLAND = ZoneInfo("Pacific/Auckland")

# Zedland: its weekend is Friday and Saturday, its day starts in Auckland.
ZZ = textwrap.dedent(
    """\
    schema: opennrm.jurisdiction/1
    code: ZZ
    name: {en: Zedland, nl: Zedland, fr: Zedland}
    time_zone: Pacific/Auckland
    public_reports: false
    regions:
      - {code: ZZ-N, name: {en: North, nl: Noord, fr: Nord}}
    calendar:
      weekend: [fri, sat]
      holidays:
        source: default
        dates:
          - "2026-12-24"
          - "2027-01-01"
    """
)


def amsterdam(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


@pytest.fixture
def rules_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    rules = tmp_path / "rules"
    shutil.copytree(Path(django_settings.OPENNRM_RULES_DIR), rules)
    (rules / "zz.yaml").write_text(ZZ, encoding="utf-8")
    settings.OPENNRM_RULES_DIR = rules
    _reset()
    yield rules
    _reset()


def _reset() -> None:
    jurisdictions.reset_cache()
    calendars.reset_cache()
    routing.reset_cache()


def _write(rules_dir: Path, text: str) -> Path:
    path = rules_dir / "zz.yaml"
    path.write_text(text, encoding="utf-8")
    _reset()
    return path


# --- counting working days ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2026-11-18 10:00", 2, "2026-11-21 00:00"),  # Wednesday: Thursday and Friday
        ("2026-11-20 16:00", 2, "2026-11-25 00:00"),  # Friday: the weekend does not count
        ("2026-11-20 16:00", 1, "2026-11-24 00:00"),
        ("2026-11-21 11:00", 2, "2026-11-25 00:00"),  # Saturday: as if sent on Friday
        ("2026-11-22 23:59", 2, "2026-11-25 00:00"),  # Sunday
        ("2026-12-24 15:00", 2, "2026-12-30 00:00"),  # Christmas and Boxing Day are holidays
        ("2026-12-31 09:00", 2, "2027-01-06 00:00"),  # New Year's Day too
        ("2027-03-26 10:00", 2, "2027-04-01 00:00"),  # Easter Monday, then summer time
    ],
)
def test_the_dutch_calendar_counts_working_days_to_the_end_of_the_last_one(
    start: str, days: int, due: str
) -> None:
    nl = calendars.calendar("NL")
    result = nl.add_working_days(amsterdam(start), days)
    assert result == amsterdam(due)
    assert result.utcoffset() == amsterdam(due).utcoffset()


def test_the_local_day_counts_not_the_utc_day() -> None:
    nl = calendars.calendar("NL")
    sunday_night_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 00:30 in Amsterdam
    assert nl.add_working_days(sunday_night_utc, 2) == amsterdam("2026-11-26 00:00")
    friday_night_utc = datetime(2026, 11, 20, 22, 59, tzinfo=UTC)  # still Friday in Amsterdam
    assert nl.add_working_days(friday_night_utc, 2) == amsterdam("2026-11-25 00:00")


def test_the_dutch_holidays_and_weekend_are_not_working_days() -> None:
    nl = calendars.calendar("NL")
    assert nl.time_zone == "Europe/Amsterdam" and nl.covers_until == date(2027, 12, 31)
    for holiday in (date(2026, 12, 25), date(2026, 12, 26), date(2027, 4, 27), date(2026, 5, 14)):
        assert not nl.is_working_day(holiday), holiday
    assert not nl.is_working_day(date(2026, 11, 21))  # Saturday
    assert not nl.is_working_day(date(2026, 11, 22))  # Sunday
    assert nl.is_working_day(date(2026, 12, 28)) and nl.is_working_day(date(2026, 11, 20))


def test_a_deadline_counts_at_least_one_day() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        calendars.calendar("NL").add_working_days(amsterdam("2026-11-18 10:00"), 0)


def test_a_country_without_a_file_has_a_saturday_sunday_weekend_in_utc(db: Any) -> None:
    xx = calendars.calendar("XX")
    assert (xx.time_zone, xx.holidays, xx.covers_until) == ("UTC", frozenset(), None)
    friday = datetime(2026, 12, 25, 12, 0, tzinfo=UTC)
    assert xx.add_working_days(friday, 1) == datetime(2026, 12, 29, tzinfo=UTC)


def test_a_jurisdictions_own_weekend_holidays_and_time_zone(rules_dir: Path) -> None:
    zz = calendars.calendar("ZZ")
    assert zz.weekend == frozenset({4, 5}) and zz.covers_until == date(2027, 12, 31)
    # Tuesday 20:00 UTC is Wednesday morning in Auckland; Thursday 24 is a holiday, Friday and
    # Saturday are the weekend: Sunday and Monday count.
    start = datetime(2026, 12, 22, 20, 0, tzinfo=UTC)
    assert zz.add_working_days(start, 2) == datetime(2026, 12, 29, tzinfo=AUCKLAND)
    assert zz.is_working_day(date(2026, 12, 27))  # a Sunday


def test_a_file_without_a_calendar_section_gets_the_default(rules_dir: Path) -> None:
    _write(rules_dir, ZZ.split("calendar:", 1)[0])
    zz = calendars.calendar("ZZ")
    assert zz.weekend == frozenset({5, 6}) and zz.holidays == frozenset()
    assert zz.covers_until is None and zz.time_zone == "Pacific/Auckland"


def test_unquoted_yaml_dates_are_accepted(rules_dir: Path) -> None:
    _write(rules_dir, ZZ.replace('"2026-12-24"', "2026-12-24"))
    _found, errors = calendars.load_calendars()
    assert errors == []
    assert date(2026, 12, 24) in calendars.calendar("ZZ").holidays


# --- malformed calendars ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("[fri, sat]", "[fri, caturday]", 9, "'caturday' is not one of"),
        ("[fri, sat]", "[mon, tue, wed, thu, fri, sat, sun]", 9, "at least one working day"),
        ("weekend:", "weekends:", 9, "unknown key 'weekends'"),
        ("weekend: [fri, sat]", "weekend: fri", 9, "must be a list"),
        ('"2026-12-24"', '"2026-12-32"', 13, "is not a YYYY-MM-DD date"),
        ('"2026-12-24"', '"24-12-2026"', 13, "is not a YYYY-MM-DD date"),
        ('"2026-12-24"', "20261224", 13, "is not a YYYY-MM-DD date"),
        ('"2027-01-01"', '"2026-12-24"', 14, "is listed twice"),
        ("source: default", "source: page 3", 11, "must cite a source line"),
        ('dates:\n      - "2026-12-24"\n      - "2027-01-01"', "dates: []", 12, "non-empty list"),
    ],
)
def test_a_malformed_calendar_fails_the_check_with_file_and_line(
    rules_dir: Path, old: str, new: str, line: int, message: str
) -> None:
    text = ZZ.replace(old, new, 1)
    assert text != ZZ
    path = _write(rules_dir, text)
    found, errors = calendars.load_calendars()
    assert "ZZ" not in found and "NL" in found  # one bad file does not hide the others
    (error,) = errors
    assert isinstance(error, RuleFileError) and error.line == line
    assert str(error).startswith(f"{path}:{line}:"), str(error)
    assert message in str(error)
    (problem,) = [item for item in check_calendars() if item.id == "opennrm.E104"]
    assert str(problem.msg) == str(error)


def test_the_start_up_check_refuses_a_malformed_calendar(rules_dir: Path) -> None:
    _write(rules_dir, ZZ.replace('"2027-01-01"', '"2027-02-30"'))
    with pytest.raises(SystemCheckError) as failed:
        call_command("check")
    assert "opennrm.E104" in str(failed.value) and "zz.yaml:14:" in str(failed.value)


def test_the_shipped_calendars_are_valid(db: Any) -> None:
    found, errors = calendars.load_calendars()
    assert errors == []
    assert {"BE", "DK", "NL", "RO"} <= set(found)
    assert all(calendar.holidays for calendar in found.values())


# --- a calendar running out -----------------------------------------------------------------------


def _w105() -> list[str]:
    return [str(message.msg) for message in check_calendars() if message.id == "opennrm.W105"]


def test_no_warning_while_the_calendars_cover_the_next_sixty_days(db: Any) -> None:
    with time_machine.travel(datetime(2027, 11, 1, 12, 0, tzinfo=UTC), tick=False):
        assert _w105() == []


def test_a_calendar_ending_within_sixty_days_is_warned_about(db: Any) -> None:
    with time_machine.travel(datetime(2027, 11, 15, 12, 0, tzinfo=UTC), tick=False):
        warnings = _w105()
        registered = [item.id for item in run_checks(tags=["opennrm"])]
    assert registered.count("opennrm.W105") == len(warnings)  # the check runs at start-up
    shipped = sorted(calendars.load_calendars()[0])
    assert len(warnings) == len(shipped)
    for code, text in zip(shipped, warnings, strict=True):
        assert text.startswith(f"the calendar of {code} lists holidays until 2027-12-31"), text


def test_a_calendar_without_holidays_is_not_warned_about(rules_dir: Path) -> None:
    _write(rules_dir, ZZ.split("  holidays:", 1)[0])
    assert calendars.calendar("ZZ").covers_until is None
    with time_machine.travel(datetime(2027, 11, 15, 12, 0, tzinfo=UTC), tick=False):
        warnings = _w105()
    assert warnings and not any("of ZZ" in text for text in warnings)
