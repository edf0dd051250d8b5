"""Plan files: an action plan as YAML (``schema: opennrm.plan/1``) or CSV, read all-or-nothing.

YAML::

    schema: opennrm.plan/1
    code: be-2012-2014
    country: BE
    title: "..."
    period: {from: 2012, to: 2014}
    owner: "Interdepartmental Coordination Unit"
    source: "003:L611-L697"
    themes:
      - {code: legislative, name: "Legislative initiatives", source: "003:L615"}
    measures:
      - number: "13"
        theme: protection
        text: "..."
        lead: "CEOOR"
        contributors: ["accommodation centres"]
        lead_as_printed: "CEOOR + accommodation centres"
        deadline: "2012/2013"
        depends_on: []
        source: "003:L667"

CSV: one row per measure with the columns ``plan_code, country, title, period_from, period_to,
owner, theme, number, text, lead, contributors, lead_as_printed, deadline, depends_on, source``;
the plan's columns must be the same on every row; lists are separated by ``;``.

Every mistake is collected with its row (the measure's position, 1-based; 0 for the plan itself)
and the file is refused as a whole (``PlanFileError``): an import with a bad row changes nothing.
The deadline is kept as printed and normalised by ``normalise_deadline``.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from opennrm.core.rulefiles import CITATION

SCHEMA = "opennrm.plan/1"
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-/]{0,19}$")
MAX_TEXT = 5000
MAX_BODY = 300
MAX_MEASURES = 2000
CSV_COLUMNS = (
    "plan_code",
    "country",
    "title",
    "period_from",
    "period_to",
    "owner",
    "theme",
    "number",
    "text",
    "lead",
    "contributors",
    "lead_as_printed",
    "deadline",
    "depends_on",
    "source",
)

MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
# Meteorological seasons of the northern hemisphere: the month each ends in (winter: February of
# the next year).
SEASON_ENDS = {"spring": 5, "summer": 8, "autumn": 11, "fall": 11}
ORDINALS = {
    "1st": 1,
    "first": 1,
    "2nd": 2,
    "second": 2,
    "3rd": 3,
    "third": 3,
    "4th": 4,
    "fourth": 4,
}


@dataclass(frozen=True)
class RowError:
    row: int  # 0: the plan; n: the n-th measure
    field: str
    message: str

    def __str__(self) -> str:
        where = "plan" if self.row == 0 else f"row {self.row}"
        return f"{where}, {self.field}: {self.message}"


class PlanFileError(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(error) for error in errors[:20]))
        self.errors = errors


@dataclass
class MeasureData:
    number: str
    theme: str
    text: str
    lead: str
    contributors: list[str]
    lead_as_printed: str
    deadline: str
    deadline_kind: str
    due_on: date | None
    depends_on: list[str]
    source: str


@dataclass
class PlanData:
    code: str
    country: str
    title: str
    period_from: int
    period_to: int
    owner: str
    source: str
    themes: list[dict[str, str]]
    measures: list[MeasureData] = field(default_factory=list)


# --- deadlines -------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def normalise_deadline(text: str) -> tuple[str, date | None]:
    """(kind, due date) of a deadline as printed; raises ``ValueError`` when it cannot be read.

    * "" → none; "continuous", "ongoing", "permanent", "structural" → continuous (no due date);
    * "01/04/2013" or "01/12/13" (day/month/year, the European order of the sources) → that
      date (a two-digit year is in this century);
    * "June 2014", "end of June 2014" → the month's last day;
    * "3rd quarter 2011", "Q3 2011" → the quarter's last day;
    * "2012", "end of 2013" → 31 December; "2012/2013", "2012-2013", "2012 and 2013" → 31
      December of the last;
    * "1 July 2012" → that date; "first half of 2012" → 30 June, "second half of 2011" → 31
      December (several halves: the last); "spring of 2012" → the season's last day (spring May,
      summer August, autumn November, winter February of the next year);
    * "2011 and the years following" → continuous; "depending on …" → conditional (no date).

    A note after the deadline is kept in the text but ignored here: "31/12/2012 (2014)" is due on
    31 December 2012.
    """
    cleaned = " ".join(text.split()).strip()
    lower = cleaned.lower()
    if not cleaned:
        return "none", None
    if any(word in lower for word in ("continuous", "ongoing", "permanent", "structural")) or (
        "years following" in lower
    ):
        return "continuous", None
    if lower.startswith(("depending on", "depends on", "after ", "when ")):
        return "conditional", None
    if match := re.search(r"\b(\d{1,2})\s+([a-z]+)\s+(\d{4})\b", lower):
        month = MONTHS.get(match.group(2))
        if month:
            return "date", date(int(match.group(3)), month, int(match.group(1)))
    halves = re.findall(r"\b(first|second)\s+half(?:\s+of)?\s+(\d{4})\b", lower)
    if halves:
        return "half", max(
            _month_end(int(year), 6 if half == "first" else 12) for half, year in halves
        )
    if match := re.search(r"\b(spring|summer|autumn|fall|winter)(?:\s+of)?\s+(\d{4})\b", lower):
        season, year = match.group(1), int(match.group(2))
        if season == "winter":
            return "season", _month_end(year + 1, 2)
        return "season", _month_end(year, SEASON_ENDS[season])
    if match := re.search(r"\b(\d{4})\s+and\s+(\d{4})\b", lower):
        return "period", date(max(int(match.group(1)), int(match.group(2))), 12, 31)
    if match := re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b", lower):
        day, month, year = (int(part) for part in match.groups())
        return "date", date(year + 2000 if year < 100 else year, month, day)
    if match := re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", lower):
        return "date", date.fromisoformat(match.group(0))
    if match := re.search(r"\bq([1-4])\s*(\d{4})\b", lower) or re.search(
        r"\b(1st|2nd|3rd|4th|first|second|third|fourth)\s+quarter(?:\s+of)?\s+(\d{4})\b", lower
    ):
        quarter = int(match.group(1)) if match.group(1).isdigit() else ORDINALS[match.group(1)]
        return "quarter", _month_end(int(match.group(2)), quarter * 3)
    if match := re.search(r"\b([a-z]+)\s+(\d{4})\b", lower):
        month_number = MONTHS.get(match.group(1))
        if month_number:
            return "month", _month_end(int(match.group(2)), month_number)
    if match := re.search(r"\b(\d{4})\s*[/-]\s*(\d{4})\b", lower):
        first, last = int(match.group(1)), int(match.group(2))
        if last < first:
            raise ValueError("the period ends before it starts")
        return "period", date(last, 12, 31)
    if match := re.search(r"\b(\d{4})\b", lower):
        return "year", date(int(match.group(1)), 12, 31)
    raise ValueError("cannot read this deadline")


# --- reading ---------------------------------------------------------------------------------


def _text(
    raw: Any,
    name: str,
    row: int,
    errors: list[RowError],
    *,
    limit: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Text with runs of spaces made one; a ``multiline`` text keeps its line breaks (the items of
    a measure printed as a list)."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str | int):
        errors.append(RowError(row, name, "must be text"))
        return ""
    lines = [" ".join(line.split()) for line in str(raw).splitlines()]
    value = "\n".join(line for line in lines if line) if multiline else " ".join(lines).strip()
    if required and not value:
        errors.append(RowError(row, name, "is required"))
    if len(value) > limit:
        errors.append(RowError(row, name, f"is longer than {limit} characters"))
    return value


def _list(raw: Any, name: str, row: int, errors: list[RowError]) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = [part for part in raw.split(";")]
    if not isinstance(raw, list) or not all(isinstance(item, str | int) for item in raw):
        errors.append(RowError(row, name, "must be a list of texts"))
        return []
    return [" ".join(str(item).split()) for item in raw if str(item).strip()]


def _citation(raw: Any, row: int, errors: list[RowError]) -> str:
    value = _text(raw, "source", row, errors, limit=60)
    if value and not CITATION.match(value):
        errors.append(RowError(row, "source", 'must cite a source line like "003:L611-L698"'))
    return value


def _year(raw: Any, name: str, errors: list[RowError]) -> int:
    try:
        year = int(str(raw))
    except ValueError:
        errors.append(RowError(0, name, "must be a year"))
        return 0
    if not 1990 <= year <= 2100:
        errors.append(RowError(0, name, "must be a year between 1990 and 2100"))
    return year


def _plan(raw: dict[str, Any], errors: list[RowError]) -> PlanData:
    code = _text(raw.get("code"), "code", 0, errors, limit=60, required=True)
    if code and not CODE.match(code):
        errors.append(RowError(0, "code", "use lowercase letters, digits and dashes"))
    country = _text(raw.get("country"), "country", 0, errors, limit=2, required=True)
    if country and not COUNTRY.match(country):
        errors.append(RowError(0, "country", "must be a two-letter country code like BE"))
    period: dict[str, Any] = raw["period"] if isinstance(raw.get("period"), dict) else {}
    period_from = _year(period.get("from", raw.get("period_from")), "period.from", errors)
    period_to = _year(period.get("to", raw.get("period_to")), "period.to", errors)
    if period_from and period_to and period_to < period_from:
        errors.append(RowError(0, "period", "ends before it starts"))
    themes: list[dict[str, str]] = []
    for item in raw.get("themes") or []:
        if not isinstance(item, dict) or not item.get("code") or not item.get("name"):
            errors.append(RowError(0, "themes", "each theme needs a code and a name"))
            continue
        themes.append(
            {
                "code": str(item["code"]),
                "name": str(item["name"]),
                "source": str(item.get("source") or ""),
            }
        )
    return PlanData(
        code=code,
        country=country,
        title=_text(raw.get("title"), "title", 0, errors, limit=300, required=True),
        period_from=period_from,
        period_to=period_to,
        owner=_text(raw.get("owner"), "owner", 0, errors, limit=300, required=True),
        source=_citation(raw.get("source"), 0, errors),
        themes=themes,
    )


def _measure(raw: Any, row: int, plan: PlanData, errors: list[RowError]) -> MeasureData | None:
    if not isinstance(raw, dict):
        errors.append(RowError(row, "measure", "must be a mapping"))
        return None
    unknown = set(raw) - {
        "number",
        "theme",
        "text",
        "lead",
        "contributors",
        "lead_as_printed",
        "deadline",
        "depends_on",
        "source",
    }
    for key in sorted(unknown):
        errors.append(RowError(row, str(key), "is not a field of a measure"))
    number = _text(raw.get("number"), "number", row, errors, limit=20, required=True)
    if number and not NUMBER.match(number):
        errors.append(RowError(row, "number", "use digits, letters, dots or dashes"))
    theme = _text(raw.get("theme"), "theme", row, errors, limit=60)
    if plan.themes and theme and theme not in {t["code"] for t in plan.themes}:
        errors.append(RowError(row, "theme", f"{theme!r} is not one of the plan's themes"))
    deadline = _text(raw.get("deadline"), "deadline", row, errors, limit=100)
    try:
        kind, due_on = normalise_deadline(deadline)
    except ValueError as exc:
        errors.append(RowError(row, "deadline", f"{exc} ({deadline!r})"))
        kind, due_on = "none", None
    lead = _text(raw.get("lead"), "lead", row, errors, limit=MAX_BODY)
    return MeasureData(
        number=number,
        theme=theme,
        text=_text(
            raw.get("text"), "text", row, errors, limit=MAX_TEXT, required=True, multiline=True
        ),
        lead=lead,
        contributors=_list(raw.get("contributors"), "contributors", row, errors),
        lead_as_printed=_text(raw.get("lead_as_printed"), "lead_as_printed", row, errors, limit=500)
        or lead,
        deadline=deadline,
        deadline_kind=kind,
        due_on=due_on,
        depends_on=_list(raw.get("depends_on"), "depends_on", row, errors),
        source=_citation(raw.get("source"), row, errors),
    )


def _check_whole(plan: PlanData, errors: list[RowError]) -> None:
    numbers: dict[str, int] = {}
    for row, measure in enumerate(plan.measures, start=1):
        if measure.number in numbers:
            errors.append(
                RowError(
                    row,
                    "number",
                    f"{measure.number!r} is used twice (also row {numbers[measure.number]})",
                )
            )
        numbers.setdefault(measure.number, row)
    for row, measure in enumerate(plan.measures, start=1):
        for other in measure.depends_on:
            if other not in numbers:
                errors.append(RowError(row, "depends_on", f"no measure is numbered {other!r}"))
            elif other == measure.number:
                errors.append(RowError(row, "depends_on", "a measure cannot depend on itself"))
    if not plan.measures:
        errors.append(RowError(0, "measures", "the plan has no measures"))
    if len(plan.measures) > MAX_MEASURES:
        errors.append(RowError(0, "measures", f"more than {MAX_MEASURES} measures"))


def read_yaml(content: str) -> PlanData:
    errors: list[RowError] = []
    try:
        raw = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise PlanFileError([RowError(0, "file", f"is not valid YAML{line}")]) from None
    if not isinstance(raw, dict):
        raise PlanFileError([RowError(0, "file", "must be a mapping")])
    if raw.get("schema") != SCHEMA:
        errors.append(RowError(0, "schema", f"must be {SCHEMA!r}"))
    plan = _plan(raw, errors)
    measures = raw.get("measures")
    if not isinstance(measures, list):
        errors.append(RowError(0, "measures", "must be a list"))
        measures = []
    for row, item in enumerate(measures, start=1):
        measure = _measure(item, row, plan, errors)
        if measure is not None:
            plan.measures.append(measure)
    _check_whole(plan, errors)
    if errors:
        raise PlanFileError(errors)
    return plan


def read_csv(content: str) -> PlanData:
    errors: list[RowError] = []
    reader = csv.DictReader(io.StringIO(content))
    missing = [name for name in CSV_COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise PlanFileError([RowError(0, "columns", "missing: " + ", ".join(missing))])
    rows = list(reader)
    if not rows:
        raise PlanFileError([RowError(0, "measures", "the plan has no measures")])
    first = rows[0]
    plan = _plan(
        {
            "code": first["plan_code"],
            "country": first["country"],
            "title": first["title"],
            "period": {"from": first["period_from"], "to": first["period_to"]},
            "owner": first["owner"],
            "source": "",
            "themes": [
                {"code": code, "name": code}
                for code in dict.fromkeys(r["theme"] for r in rows if r["theme"])
            ],
        },
        errors,
    )
    for row, item in enumerate(rows, start=1):
        for name in ("plan_code", "country", "title", "period_from", "period_to", "owner"):
            if item[name] != first[name]:
                errors.append(RowError(row, name, "differs from the first row"))
        measure = _measure(
            {
                key: item[key]
                for key in (
                    "number",
                    "theme",
                    "text",
                    "lead",
                    "contributors",
                    "lead_as_printed",
                    "deadline",
                    "depends_on",
                    "source",
                )
            },
            row,
            plan,
            errors,
        )
        if measure is not None:
            plan.measures.append(measure)
    _check_whole(plan, errors)
    if errors:
        raise PlanFileError(errors)
    return plan


def read(content: str, name: str) -> PlanData:
    """Read a plan file by its name's extension (``.yaml``/``.yml`` or ``.csv``)."""
    if name.lower().endswith(".csv"):
        return read_csv(content)
    if name.lower().endswith((".yaml", ".yml")):
        return read_yaml(content)
    raise PlanFileError([RowError(0, "file", "must be a .yaml, .yml or .csv file")])
