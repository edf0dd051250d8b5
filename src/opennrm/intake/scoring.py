"""Scoring a screening: a catalogue's rule applied to the indicators observed, with its reasons.

Pure functions over a ``Catalogue``: no database, no clock. The result lists every contribution,
so the page can say in plain language why the level is what it is, and so a stored result can be
recomputed from the stored catalogue snapshot.

Two rules (``docs/catalogues.md``):

* ``points``: the points of the observed indicators are added up; the total reaches the weak or
  the strong threshold (the Dutch police checklist: "each indicator assigns an amount of points.
  The amount of points show whether there are strong or weak signs", source 001:L1205-L1212).
* ``elements``: the indicators are grouped in the elements of the trafficking definition (act,
  means, exploitation), like the ILO/EC operational indicators. An element is present when one of
  its ``element_present`` alternatives holds (e.g. one strong indicator, or two medium); strong
  signs when every part in ``strong_signs_when_parts`` has a present element. For a minor the
  parts in ``not_required_for_minors`` (the means) are not required: Directive 2011/36/EU
  art. 2(5) makes the act for the purpose of exploitation trafficking without any means.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from opennrm.intake.catalogues import GRADES, Catalogue

MINOR = "minor"


@dataclass(frozen=True)
class Contribution:
    indicator: str
    group: str
    points: int
    grade: str


@dataclass(frozen=True)
class ElementFinding:
    group: str
    parts: tuple[str, ...]
    counts: dict[str, int]
    present: bool


@dataclass(frozen=True)
class ScreeningResult:
    level: str
    score: int
    rule: str
    contributions: tuple[Contribution, ...]
    thresholds: dict[str, int] = field(default_factory=dict)
    elements: tuple[ElementFinding, ...] = ()
    parts_present: tuple[str, ...] = ()
    parts_required: tuple[str, ...] = ()
    parts_missing: tuple[str, ...] = ()
    parts_waived: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "score": self.score,
            "rule": self.rule,
            "thresholds": dict(self.thresholds),
            "contributions": [
                {"indicator": c.indicator, "group": c.group, "points": c.points, "grade": c.grade}
                for c in self.contributions
            ],
            "elements": [
                {
                    "group": e.group,
                    "parts": list(e.parts),
                    "counts": dict(e.counts),
                    "present": e.present,
                }
                for e in self.elements
            ],
            "parts_present": list(self.parts_present),
            "parts_required": list(self.parts_required),
            "parts_missing": list(self.parts_missing),
            "parts_waived": list(self.parts_waived),
        }


class UnknownIndicatorError(ValueError):
    def __init__(self, codes: list[str]) -> None:
        super().__init__(f"unknown indicator codes: {codes}")
        self.codes = codes


def screen(catalogue: Catalogue, observed: Iterable[str], population: str) -> ScreeningResult:
    """Apply ``catalogue``'s rule to the ``observed`` indicator codes for a ``population``
    (adult, minor or unknown). Unknown codes raise ``UnknownIndicatorError``."""
    codes = sorted(set(observed))
    unknown = [code for code in codes if catalogue.indicator(code) is None]
    if unknown:
        raise UnknownIndicatorError(unknown)
    chosen = set(codes)
    contributions = tuple(
        Contribution(item.code, item.group, item.points, item.grade)
        for item in catalogue.indicators  # in the catalogue's order
        if item.code in chosen
    )
    if catalogue.scoring.rule == "points":
        return _points(catalogue, contributions)
    return _elements(catalogue, contributions, population)


def _points(catalogue: Catalogue, contributions: tuple[Contribution, ...]) -> ScreeningResult:
    scoring = catalogue.scoring
    score = sum(item.points for item in contributions)
    if score >= scoring.strong_threshold:
        level = "strong_signs"
    elif score >= scoring.weak_threshold:
        level = "weak_signs"
    else:
        level = "no_signs"
    return ScreeningResult(
        level=level,
        score=score,
        rule="points",
        contributions=contributions,
        thresholds={"weak_signs": scoring.weak_threshold, "strong_signs": scoring.strong_threshold},
    )


def _element_present(counts: Counter[str], alternatives: Iterable[dict[str, int]]) -> bool:
    return any(
        all(counts[grade] >= needed for grade, needed in alternative.items())
        for alternative in alternatives
    )


def _elements(
    catalogue: Catalogue, contributions: tuple[Contribution, ...], population: str
) -> ScreeningResult:
    scoring = catalogue.scoring
    findings: list[ElementFinding] = []
    present_parts: set[str] = set()
    for group in catalogue.groups:
        counts = Counter(item.grade for item in contributions if item.group == group.code)
        present = _element_present(counts, scoring.element_present)
        if present:
            present_parts.update(group.parts)
        findings.append(
            ElementFinding(
                group=group.code,
                parts=group.parts,
                counts={grade: counts[grade] for grade in GRADES},
                present=present,
            )
        )
    waived = tuple(scoring.not_required_for_minors) if population == MINOR else ()
    required = tuple(part for part in scoring.strong_signs_when_parts if part not in waived)
    missing = tuple(part for part in required if part not in present_parts)
    if contributions and not missing:
        level = "strong_signs"
    elif len(contributions) >= scoring.weak_signs_min_indicators:
        level = "weak_signs"
    else:
        level = "no_signs"
    return ScreeningResult(
        level=level,
        score=sum(1 for finding in findings if finding.present),
        rule="elements",
        contributions=contributions,
        elements=tuple(findings),
        parts_present=tuple(
            part for part in scoring.strong_signs_when_parts if part in present_parts
        ),
        parts_required=required,
        parts_missing=missing,
        parts_waived=waived,
    )
