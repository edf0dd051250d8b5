"""The statistical extract of the case files: one row per case file in the registry's
registration format without the identifying columns (docs/data-dictionary.md, "Registrations").

The registry issue adds the partner-side encoder that turns names, date of birth and document
numbers into keyed tokens; the columns here carry nothing that identifies a person: the year of
birth (never the date), the month of identification, ages, sex, citizenship, status, forms of
exploitation and the region. They are what the national figures count, and the retention job
keeps every one of them when it anonymises a case (``retention``), so the figures do not change.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from opennrm.cases import casework
from opennrm.cases.models import CaseFile, Sex

COLUMNS = (
    "source_org",
    "local_id",
    "birth_date",
    "sex",
    "citizenship",
    "identified_on",
    "status",
    "exploitation",
    "age_at_start",
    "age_at_identification",
    "region",
)
SEX_CODES = {Sex.FEMALE: "F", Sex.MALE: "M", Sex.OTHER: "X", Sex.UNKNOWN: "U"}
ADULT = 18


def _age(born: date | None, year: int | None, on: date | None) -> int | None:
    if on is None:
        return None
    if born is not None:
        return casework.age_on(born, on)
    return on.year - year if year else None


def registrations(*, jurisdiction: str | None = None) -> Iterator[dict[str, Any]]:
    """One row per case file (of ``jurisdiction``), in the order of their ids."""
    cases = CaseFile.objects.select_related("person", "lead_organisation").order_by("pk")
    if jurisdiction:
        cases = cases.filter(jurisdiction=jurisdiction)
    for case in cases.iterator(chunk_size=500):
        situation = casework.situation_of(case)
        born = None if case.anonymised_at else case.person.date_of_birth
        year = situation.birth_year or (born.year if born else None)
        if case.anonymised_at:
            at_start = case.age_at_exploitation
            at_identification = case.age_at_identification
            if at_start is None:
                at_start = _age(None, year, situation.exploitation_started_on)
            if at_identification is None:
                at_identification = _age(None, year, case.identification_decided_on)
        else:
            at_start = _age(born, year, situation.exploitation_started_on)
            at_identification = _age(born, year, case.identification_decided_on)
        identified = case.identification_decided_on
        yield {
            "source_org": case.lead_organisation.slug,
            "local_id": case.reference,
            "birth_date": str(year) if year else "",
            "sex": SEX_CODES.get(situation.sex, "U"),  # type: ignore[call-overload]
            "citizenship": ";".join(situation.citizenships),
            "identified_on": identified.strftime("%Y-%m") if identified else "",
            "status": case.identification_status,
            "exploitation": ";".join(situation.exploitation_forms),
            "age_at_start": "" if at_start is None else at_start,
            "age_at_identification": "" if at_identification is None else at_identification,
            "region": case.lead_organisation.region,
        }


def age_group(age: Any) -> str:
    if age in ("", None):
        return "unknown"
    return "child" if int(age) < ADULT else "adult"


def counts(rows: Iterable[dict[str, Any]]) -> Counter[tuple[str, ...]]:
    """Records by year of identification, sex, age group at identification, citizenship, form
    of exploitation and status (the Eurostat breakdown; a case with two forms counts in each)."""
    found: Counter[tuple[str, ...]] = Counter()
    for row in rows:
        forms = row["exploitation"].split(";") if row["exploitation"] else ["unknown"]
        for form in forms:
            found[
                (
                    row["identified_on"][:4],
                    row["sex"],
                    age_group(row["age_at_identification"]),
                    row["citizenship"],
                    form,
                    row["status"],
                )
            ] += 1
    return found


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()
