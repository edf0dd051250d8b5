"""Working days per jurisdiction: the ``calendar`` section of ``jurisdictions/<cc>.yaml``.

A deadline given in working days (e.g. "accept a referral within 2 working days") counts the days
that are neither a weekend day nor a public holiday of the jurisdiction, in its time zone (DESIGN
rule 5). The section lists the weekend days and the public holidays by date::

    calendar:
      weekend: [sat, sun]
      holidays:
        source: default
        dates: ["2026-12-25", "2026-12-26", ...]

Holidays are listed per year, so a calendar runs out: ``covers_until`` is the last 31 December
it covers, and the system check ``opennrm.W105`` warns 60 days before a calendar ends. A
jurisdiction file without ``calendar`` counts Saturday and Sunday as its weekend and no holidays.
Validated at start-up by ``opennrm.E104``, with file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from opennrm.core import jurisdictions as jurisdiction_rules
from opennrm.core.rulefiles import LoadOnce, Reader, RuleFileError, load_yaml

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DEFAULT_WEEKEND = frozenset({5, 6})


@dataclass(frozen=True)
class Calendar:
    country: str
    time_zone: str
    weekend: frozenset[int] = DEFAULT_WEEKEND  # date.weekday() numbers
    holidays: frozenset[date] = field(default_factory=frozenset)
    source: str = "default"
    covers_until: date | None = None  # the last day whose holidays are listed

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The end of the ``days``-th working day after the local day of ``start``: the moment
        the next day begins, in the jurisdiction's time zone (returned as an aware datetime).

        Sent on Friday with 2 working days (and no holiday): the deadline is Wednesday 00:00, i.e.
        the end of Tuesday. A day that is not a working day does not count, so a referral sent on
        a Saturday has until the end of Tuesday too.
        """
        if days < 1:
            raise ValueError("a deadline in working days counts at least one day")
        zone = ZoneInfo(self.time_zone)
        day = start.astimezone(zone).date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def _weekday(reader: Reader, values: list[object], line_of: object) -> frozenset[int]:
    numbers: set[int] = set()
    for index, value in enumerate(values):
        if value not in WEEKDAYS:
            raise RuleFileError(
                reader.path,
                line_of(index),  # type: ignore[operator]
                f"calendar.weekend: {value!r} is not one of {list(WEEKDAYS)}",
            )
        numbers.add(WEEKDAYS.index(str(value)))
    if len(numbers) == len(WEEKDAYS):
        raise reader.fail("weekend", "calendar.weekend: a week needs at least one working day")
    return frozenset(numbers)


def parse_calendar(path: Path, country: str, time_zone: str) -> Calendar:
    """The calendar of one jurisdiction file (the default calendar when it has none)."""
    root = Reader(path, load_yaml(path))
    if not root.has("calendar"):
        return Calendar(country, time_zone)
    section = root.mapping("calendar")
    section.only(("weekend", "holidays"))
    weekend = DEFAULT_WEEKEND
    if section.has("weekend"):
        values = section.sequence("weekend", allow_empty=True)
        weekend = _weekday(section, list(values), values.line_of)
    holidays: set[date] = set()
    source = "default"
    covers_until = None
    if section.has("holidays"):
        block = section.mapping("holidays")
        block.only(("source", "dates"))
        source = block.citation("source")
        dates = block.sequence("dates")
        for index, value in enumerate(dates):
            text = value.isoformat() if isinstance(value, date) else value
            try:
                if not isinstance(text, str) or not DATE.match(text):
                    raise ValueError
                day = date.fromisoformat(text)
            except ValueError:
                raise RuleFileError(
                    path,
                    dates.line_of(index),
                    f"calendar.holidays: {value!r} is not a YYYY-MM-DD date",
                ) from None
            if day in holidays:
                raise RuleFileError(
                    path, dates.line_of(index), f"calendar.holidays: {text} is listed twice"
                )
            holidays.add(day)
        covers_until = date(max(holidays).year, 12, 31)
    return Calendar(country, time_zone, weekend, frozenset(holidays), source, covers_until)


def load_calendars() -> tuple[dict[str, Calendar], list[RuleFileError]]:
    found: dict[str, Calendar] = {}
    errors: list[RuleFileError] = []
    for code, jurisdiction in jurisdiction_rules.jurisdictions().items():
        try:
            found[code] = parse_calendar(Path(jurisdiction.path), code, jurisdiction.time_zone)
        except RuleFileError as exc:
            errors.append(exc)
    return found, errors


_loaded: LoadOnce[dict[str, Calendar]] = LoadOnce(load_calendars)


def calendar(country: str) -> Calendar:
    """The calendar of ``country``; Saturday and Sunday off in a country without a file."""
    found = _loaded.get().get(country)
    if found is not None:
        return found
    jurisdiction = jurisdiction_rules.get(country)
    return Calendar(country, jurisdiction.time_zone if jurisdiction else "UTC")


def reset_cache() -> None:
    _loaded.reset()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; a day the target month lacks becomes its last day
    (31 January + 1 month = 28 or 29 February; 29 February + 12 months = 28 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def add_working_days_to_date(calendar: Calendar, day: date, days: int) -> date:
    """The ``days``-th working day after ``day`` (the day itself does not count)."""
    if days < 1:
        raise ValueError("a period in working days counts at least one day")
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day
