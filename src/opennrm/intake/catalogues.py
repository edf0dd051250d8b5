"""Indicator catalogues: versioned rule files, validated at start-up (DESIGN rule 3).

A catalogue is one YAML file per version under ``<OPENNRM_RULES_DIR>/catalogues/`` named
``<id>.v<version>.yaml`` (format: ``docs/catalogues.md``). ``load_catalogues`` parses and validates
every file and reports each mistake with its file and line; the system check ``opennrm.E101``
turns those into errors of ``manage.py check``, so a malformed catalogue stops start-up.

A ``Catalogue`` converts to and from a plain "snapshot" (``as_snapshot``/``from_snapshot``) whose
SHA-256 is its ``digest``. Screenings store the snapshot they used, so an old result can be shown
and recomputed exactly even after the file has changed or been removed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from opennrm.core.rulefiles import (
    DEFAULT_SOURCE,
    LANGUAGE_CODE,
    LoadOnce,
    Reader,
    RuleFileError,
    load_yaml,
)
from opennrm.core.taxonomies import EXPLOITATION_FORM_CODES, Barrier

SCHEMA = "opennrm.catalogue/1"
FILE_NAME = re.compile(r"^(?P<id>[a-z0-9][a-z0-9-]{0,62})\.v(?P<version>[1-9][0-9]{0,5})\.yaml$")
JURISDICTION = re.compile(r"^(?:[A-Z]{2}|INT)$")
POPULATIONS = ("adult", "minor", "any")
GROUP_KINDS = ("barrier", "element", "checklist")
PARTS = ("act", "means", "exploitation")
GRADES = ("strong", "medium", "weak")
LEVELS = ("no_signs", "weak_signs", "strong_signs")
RULES = ("points", "elements")

Texts = dict[str, str]


@dataclass(frozen=True)
class Group:
    code: str
    kind: str
    title: Texts
    source: str
    parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    text: Texts
    source: str
    points: int
    points_source: str
    grade: str
    grade_source: str


@dataclass(frozen=True)
class Level:
    code: str
    label: Texts
    next_steps: dict[str, tuple[str, ...]]
    source: str


@dataclass(frozen=True)
class Scoring:
    rule: str
    source: str
    weak_threshold: int = 0
    strong_threshold: int = 0
    element_present: tuple[dict[str, int], ...] = ()
    strong_signs_when_parts: tuple[str, ...] = ()
    not_required_for_minors: tuple[str, ...] = ()
    weak_signs_min_indicators: int = 1


@dataclass(frozen=True)
class Catalogue:
    id: str
    version: int
    jurisdiction: str
    population: str
    forms: tuple[str, ...]
    languages: tuple[str, ...]
    title: Texts
    description: Texts
    source_citation: str
    source_document: str
    source_note: str
    defaults_note: str
    groups: tuple[Group, ...]
    indicators: tuple[Indicator, ...]
    scoring: Scoring
    levels: tuple[Level, ...]
    path: str = field(default="", compare=False)

    @property
    def key(self) -> str:
        return f"{self.id}@v{self.version}"

    def indicator(self, code: str) -> Indicator | None:
        return self._indicators_by_code().get(code)

    def group(self, code: str) -> Group | None:
        return next((group for group in self.groups if group.code == code), None)

    def level(self, code: str) -> Level:
        return next(level for level in self.levels if level.code == code)

    def indicators_of(self, group: str) -> list[Indicator]:
        return [item for item in self.indicators if item.group == group]

    def _indicators_by_code(self) -> dict[str, Indicator]:
        return {item.code: item for item in self.indicators}

    def as_snapshot(self) -> dict[str, Any]:
        snapshot = asdict(self)
        snapshot.pop("path")
        return json.loads(json.dumps(snapshot))  # tuples → lists: the form stored in JSON fields

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.as_snapshot(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> Catalogue:
        scoring = dict(data["scoring"])
        for name in ("strong_signs_when_parts", "not_required_for_minors"):
            scoring[name] = tuple(scoring[name])
        scoring["element_present"] = tuple(dict(item) for item in scoring["element_present"])
        return cls(
            id=data["id"],
            version=data["version"],
            jurisdiction=data["jurisdiction"],
            population=data["population"],
            forms=tuple(data["forms"]),
            languages=tuple(data["languages"]),
            title=dict(data["title"]),
            description=dict(data["description"]),
            source_citation=data["source_citation"],
            source_document=data["source_document"],
            source_note=data["source_note"],
            defaults_note=data["defaults_note"],
            groups=tuple(
                Group(**{**group, "parts": tuple(group["parts"])}) for group in data["groups"]
            ),
            indicators=tuple(Indicator(**item) for item in data["indicators"]),
            scoring=Scoring(**scoring),
            levels=tuple(
                Level(
                    code=level["code"],
                    label=dict(level["label"]),
                    next_steps={k: tuple(v) for k, v in level["next_steps"].items()},
                    source=level["source"],
                )
                for level in data["levels"]
            ),
        )


# --- parsing ------------------------------------------------------------------------------------


def parse_catalogue(path: Path) -> Catalogue:
    """Parse and validate one catalogue file; the first mistake raises ``RuleFileError``."""
    match = FILE_NAME.match(path.name)
    if match is None:
        raise RuleFileError(path, None, "the file name must be <id>.v<version>.yaml")
    root = Reader(path, load_yaml(path))
    root.only(
        (
            "schema", "id", "version", "jurisdiction", "population", "forms", "languages", "title",
            "description", "source", "defaults", "groups", "indicators", "scoring", "levels",
        )
    )  # fmt: skip
    if root.raw("schema") != SCHEMA:
        raise root.fail("schema", f"'schema' must be {SCHEMA!r}")
    catalogue_id = root.code("id")
    if catalogue_id != match.group("id"):
        raise root.fail("id", f"'id' must match the file name ({match.group('id')!r})")
    version = root.integer("version", minimum=1)
    if version != int(match.group("version")):
        raise root.fail(
            "version", f"'version' must match the file name (v{match.group('version')})"
        )
    languages = root.codes("languages")
    for index, language in enumerate(languages):
        if not LANGUAGE_CODE.match(language):
            raise RuleFileError(
                path, root.sequence("languages").line_of(index), "bad language code"
            )
    if "en" not in languages:
        raise root.fail("languages", "'languages' must include en")
    source = root.mapping("source")
    source.only(("citation", "document", "note"))
    defaults = root.mapping("defaults")
    defaults.only(("points", "grade", "note"))
    default_points = defaults.integer("points", minimum=0)
    default_grade = defaults.choice("grade", GRADES)
    groups = _parse_groups(root, languages)
    indicators = _parse_indicators(root, languages, groups, default_points, default_grade)
    scoring = _parse_scoring(root, groups)
    return Catalogue(
        id=catalogue_id,
        version=version,
        jurisdiction=root.text("jurisdiction", pattern=JURISDICTION),
        population=root.choice("population", POPULATIONS),
        forms=_forms(root),
        languages=languages,
        title=root.translated("title", languages),
        description=root.translated("description", languages),
        source_citation=source.citation("citation", allow_default=False),
        source_document=source.text("document"),
        source_note=source.text("note") if source.has("note") else "",
        defaults_note=defaults.text("note"),
        groups=tuple(groups.values()),
        indicators=indicators,
        scoring=scoring,
        levels=_parse_levels(root, languages),
        path=str(path),
    )


def _forms(root: Reader) -> tuple[str, ...]:
    sequence = root.sequence("forms")
    forms: list[str] = []
    for index, value in enumerate(sequence):
        if value not in EXPLOITATION_FORM_CODES or value in forms:
            raise RuleFileError(
                root.path,
                sequence.line_of(index),
                f"forms: {value!r} is not a form of exploitation {list(EXPLOITATION_FORM_CODES)}",
            )
        forms.append(value)
    return tuple(forms)


def _parse_groups(root: Reader, languages: tuple[str, ...]) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for item in root.items("groups"):
        item.only(("code", "kind", "title", "source", "parts"))
        code = item.code("code")
        if code in groups:
            raise item.fail("code", f"the group code {code!r} is used twice")
        kind = item.choice("kind", GROUP_KINDS)
        if kind == "barrier" and code not in Barrier.values:
            raise item.fail("code", f"a barrier's code must be one of {list(Barrier.values)}")
        parts: tuple[str, ...] = ()
        if kind == "element":
            parts = item.codes("parts", PARTS)
        elif item.has("parts"):
            raise item.fail("parts", "only groups of kind 'element' have parts")
        groups[code] = Group(
            code=code,
            kind=kind,
            title=item.translated("title", languages),
            source=item.citation("source"),
            parts=parts,
        )
    return groups


def _parse_indicators(
    root: Reader,
    languages: tuple[str, ...],
    groups: Mapping[str, Group],
    default_points: int,
    default_grade: str,
) -> tuple[Indicator, ...]:
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for item in root.items("indicators"):
        item.only(
            ("code", "group", "text", "source", "points", "points_source", "grade", "grade_source")
        )
        code = item.code("code")
        if code in seen:
            raise item.fail("code", f"the indicator code {code!r} is used twice")
        seen.add(code)
        group = item.text("group")
        if group not in groups:
            raise item.fail("group", f"the group {group!r} is not defined under 'groups'")
        for value, cited in (("points", "points_source"), ("grade", "grade_source")):
            if item.has(value) != item.has(cited):
                raise item.fail(
                    value if item.has(value) else cited,
                    f"{value!r} and {cited!r} go together: a value the source does not give "
                    "belongs in 'defaults'",
                )
        indicators.append(
            Indicator(
                code=code,
                group=group,
                text=item.translated("text", languages),
                source=item.citation("source", allow_default=False),
                points=item.integer("points", minimum=0) if item.has("points") else default_points,
                points_source=item.citation("points_source", allow_default=False)
                if item.has("points")
                else DEFAULT_SOURCE,
                grade=item.choice("grade", GRADES) if item.has("grade") else default_grade,
                grade_source=item.citation("grade_source", allow_default=False)
                if item.has("grade")
                else DEFAULT_SOURCE,
            )
        )
    return tuple(indicators)


def _parse_scoring(root: Reader, groups: Mapping[str, Group]) -> Scoring:
    scoring = root.mapping("scoring")
    rule = scoring.choice("rule", RULES)
    source = scoring.citation("source")
    if rule == "points":
        scoring.only(("rule", "thresholds", "source"))
        thresholds = scoring.mapping("thresholds")
        thresholds.only(("weak_signs", "strong_signs"))
        weak = thresholds.integer("weak_signs", minimum=1)
        strong = thresholds.integer("strong_signs", minimum=1)
        if strong <= weak:
            raise thresholds.fail("strong_signs", "'strong_signs' must be above 'weak_signs'")
        return Scoring(rule=rule, source=source, weak_threshold=weak, strong_threshold=strong)
    scoring.only(
        (
            "rule", "source", "element_present", "strong_signs_when_parts",
            "not_required_for_minors", "weak_signs_min_indicators",
        )
    )  # fmt: skip
    not_elements = [group.code for group in groups.values() if group.kind != "element"]
    if not_elements:
        raise scoring.fail("rule", f"the elements rule needs element groups only: {not_elements}")
    alternatives: list[dict[str, int]] = []
    for alternative in scoring.items("element_present"):
        alternative.only(GRADES)
        counts = {
            grade: alternative.integer(grade, minimum=1)
            for grade in GRADES
            if alternative.has(grade)
        }
        if not counts:
            raise alternative.fail(None, "an alternative needs at least one of strong/medium/weak")
        alternatives.append(counts)
    defined_parts = {part for group in groups.values() for part in group.parts}
    required = scoring.codes("strong_signs_when_parts", PARTS)
    missing = [part for part in required if part not in defined_parts]
    if missing:
        raise scoring.fail("strong_signs_when_parts", f"no element group has the part(s) {missing}")
    waived = scoring.codes("not_required_for_minors", required, allow_empty=True)
    return Scoring(
        rule=rule,
        source=source,
        element_present=tuple(alternatives),
        strong_signs_when_parts=required,
        not_required_for_minors=waived,
        weak_signs_min_indicators=scoring.integer("weak_signs_min_indicators", minimum=1),
    )


def _parse_levels(root: Reader, languages: tuple[str, ...]) -> tuple[Level, ...]:
    levels = root.mapping("levels")
    levels.only(LEVELS)
    parsed = []
    for code in LEVELS:
        level = levels.mapping(code)
        level.only(("label", "next_steps", "source"))
        parsed.append(
            Level(
                code=code,
                label=level.translated("label", languages),
                next_steps=level.translated_lists("next_steps", languages),
                source=level.citation("source"),
            )
        )
    return tuple(parsed)


# --- the set of catalogues ------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueSet:
    catalogues: tuple[Catalogue, ...]

    def get(self, catalogue_id: str, version: int | None = None) -> Catalogue | None:
        """The given version, or the newest version when ``version`` is None."""
        matching = [item for item in self.catalogues if item.id == catalogue_id]
        if version is not None:
            matching = [item for item in matching if item.version == version]
        return max(matching, key=lambda item: item.version, default=None)

    def current(self) -> list[Catalogue]:
        """The newest version of every catalogue, by id."""
        newest: dict[str, Catalogue] = {}
        for item in self.catalogues:
            if item.id not in newest or item.version > newest[item.id].version:
                newest[item.id] = item
        return [newest[key] for key in sorted(newest)]

    def versions(self, catalogue_id: str) -> list[Catalogue]:
        return sorted(
            (item for item in self.catalogues if item.id == catalogue_id), key=lambda c: c.version
        )


def catalogue_dirs() -> list[Path]:
    return [Path(settings.OPENNRM_RULES_DIR) / "catalogues"]


def load_catalogues(
    directories: Iterable[Path] | None = None,
) -> tuple[CatalogueSet, list[RuleFileError]]:
    """Every catalogue file found, and every mistake (files with a mistake are left out)."""
    catalogues: list[Catalogue] = []
    errors: list[RuleFileError] = []
    seen: dict[str, str] = {}
    for directory in directories if directories is not None else catalogue_dirs():
        if not directory.is_dir():
            errors.append(RuleFileError(directory, None, "the catalogue directory does not exist"))
            continue
        for path in sorted(directory.glob("*.yaml")):
            try:
                catalogue = parse_catalogue(path)
            except RuleFileError as exc:
                errors.append(exc)
                continue
            if catalogue.key in seen:
                errors.append(
                    RuleFileError(
                        path, 1, f"{catalogue.key} is also defined in {seen[catalogue.key]}"
                    )
                )
                continue
            seen[catalogue.key] = str(path)
            catalogues.append(catalogue)
    return CatalogueSet(tuple(catalogues)), errors


_loaded: LoadOnce[CatalogueSet] = LoadOnce(load_catalogues)


def catalogues() -> CatalogueSet:
    """The valid catalogues, loaded once per process."""
    return _loaded.get()


def reset_cache() -> None:
    _loaded.reset()
