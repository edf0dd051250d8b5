"""Jurisdiction files (``<OPENNRM_RULES_DIR>/<cc>.yaml``): a country's name, time zone and regions.

Later rules (routing, protection procedures) extend these files; each section is validated by the
app that interprets it. Loaded once per process and validated by the system check ``opennrm.E100``.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from opennrm.core.rulefiles import LoadOnce, Reader, RuleFileError, load_yaml, pick

SCHEMA = "opennrm.jurisdiction/1"
FILE_NAME = re.compile(r"^[a-z]{2}\.yaml$")
REGION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
NAME_LANGUAGES = ("en", "nl", "fr")  # required: the staff languages
OPTIONAL_NAME_LANGUAGES = ("ro", "bg")  # the other languages of the public pages


@dataclass(frozen=True)
class Region:
    code: str
    names: dict[str, str]

    @property
    def name(self) -> str:
        return str(pick(self.names))


@dataclass(frozen=True)
class Function:
    """A body that routing rules send to (e.g. Veilig Thuis); organisations carry its code."""

    code: str
    kind: str  # an organisation kind (directory.OrganisationKind value)
    names: dict[str, str]
    source: str

    @property
    def name(self) -> str:
        return str(pick(self.names))


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    names: dict[str, str]
    time_zone: str
    public_reports: bool
    regions: tuple[Region, ...]
    path: str
    functions: tuple[Function, ...] = ()

    def function(self, code: str) -> Function | None:
        return next((item for item in self.functions if item.code == code), None)

    @property
    def name(self) -> str:
        return str(pick(self.names))

    def region(self, code: str) -> Region | None:
        return next((region for region in self.regions if region.code == code), None)


def parse_jurisdiction(path: Path) -> Jurisdiction:
    if not FILE_NAME.match(path.name):
        raise RuleFileError(
            path, None, "a jurisdiction file is named <country code>.yaml, e.g. nl.yaml"
        )
    root = Reader(path, load_yaml(path))
    known = {"schema", "code", "name", "time_zone", "public_reports", "regions"}
    # Sections of later rules are validated by the apps that read them.
    extra = {"functions", "routing", "procedures", "case_deadlines", "calendar", "retention"}
    root.only(known | extra)
    if root.raw("schema") != SCHEMA:
        raise root.fail("schema", f"'schema' must be {SCHEMA!r}")
    code = root.text("code", pattern=re.compile(r"^[A-Z]{2}$"))
    if code.lower() != path.stem:
        raise root.fail("code", f"'code' must match the file name ({path.stem.upper()})")
    time_zone = root.text("time_zone")
    if time_zone not in zoneinfo.available_timezones():
        raise root.fail("time_zone", f"unknown time zone {time_zone!r}")
    public_reports = root.raw("public_reports")
    if not isinstance(public_reports, bool):
        raise root.fail("public_reports", "'public_reports' must be true or false")
    regions: list[Region] = []
    for item in root.items("regions"):
        item.only(("code", "name"))
        region_code = item.text("code", pattern=REGION_CODE)
        if not region_code.startswith(code + "-") or any(r.code == region_code for r in regions):
            raise item.fail("code", f"{region_code!r} must be a new code starting with {code}-")
        regions.append(Region(region_code, item.translated("name", NAME_LANGUAGES)))
    return Jurisdiction(
        code=code,
        names=_names(root),
        time_zone=time_zone,
        public_reports=public_reports,
        regions=tuple(regions),
        path=str(path),
        functions=_functions(root) if root.has("functions") else (),
    )


# The organisation kinds of the directory (directory.models.OrganisationKind); core imports no app,
# so the codes are repeated here and a test keeps the two lists equal.
ORGANISATION_KINDS = (
    "police", "border_police", "prosecution", "labour_inspectorate", "immigration", "municipality",
    "child_protection", "guardianship", "shelter_ngo", "health", "education",
    "coordination_centre", "national_rapporteur", "other",
)  # fmt: skip


def _functions(root: Reader) -> tuple[Function, ...]:
    functions: list[Function] = []
    for item in root.items("functions", allow_empty=True):
        item.only(("code", "kind", "name", "source"))
        code = item.code("code")
        if any(function.code == code for function in functions):
            raise item.fail("code", f"the function code {code!r} is used twice")
        functions.append(
            Function(
                code=code,
                kind=item.choice("kind", ORGANISATION_KINDS),
                names=item.translated("name", NAME_LANGUAGES),
                source=item.citation("source", allow_default=False),
            )
        )
    return tuple(functions)


def _names(root: Reader) -> dict[str, str]:
    names = root.mapping("name")
    names.only(NAME_LANGUAGES + OPTIONAL_NAME_LANGUAGES)
    return {
        language: names.text(language)
        for language in NAME_LANGUAGES + OPTIONAL_NAME_LANGUAGES
        if language in NAME_LANGUAGES or names.has(language)
    }


def load_jurisdictions(
    directory: Path | None = None,
) -> tuple[dict[str, Jurisdiction], list[RuleFileError]]:
    directory = directory if directory is not None else Path(settings.OPENNRM_RULES_DIR)
    found: dict[str, Jurisdiction] = {}
    errors: list[RuleFileError] = []
    if not directory.is_dir():
        return found, [RuleFileError(directory, None, "the rules directory does not exist")]
    for path in sorted(directory.glob("*.yaml")):
        try:
            jurisdiction = parse_jurisdiction(path)
        except RuleFileError as exc:
            errors.append(exc)
            continue
        found[jurisdiction.code] = jurisdiction
    return found, errors


_loaded: LoadOnce[dict[str, Jurisdiction]] = LoadOnce(load_jurisdictions)


def jurisdictions() -> dict[str, Jurisdiction]:
    """The valid jurisdictions by country code, loaded once per process."""
    return _loaded.get()


def get(code: str) -> Jurisdiction | None:
    return jurisdictions().get(code)


def reset_cache() -> None:
    _loaded.reset()
