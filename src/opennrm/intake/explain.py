"""A screening's result in plain language, from the catalogue snapshot the screening used.

The stored snapshot, not today's file, supplies the indicator texts, weights and next steps, so an
old screening reads exactly as it did when it was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opennrm.core.rulefiles import DEFAULT_SOURCE, pick
from opennrm.intake.catalogues import Catalogue
from opennrm.intake.models import Screening


def part_label(part: str) -> str:
    labels = {
        "act": _("the act (recruitment, transport, transfer, harbouring or receipt)"),
        "means": _("the means (deception, coercion, abuse of vulnerability)"),
        "exploitation": _("the exploitation"),
    }
    return labels.get(part, part)


def grade_label(grade: str) -> str:
    return {"strong": _("strong"), "medium": _("medium"), "weak": _("weak")}.get(grade, grade)


@dataclass
class ExplainedIndicator:
    code: str
    text: str
    group: str
    points: int
    grade: str
    source: str
    weight_is_default: bool


@dataclass
class ExplainedElement:
    title: str
    present: bool
    counts: dict[str, int]
    parts: list[str]


@dataclass
class Explained:
    catalogue: Catalogue
    level: str
    level_label: str
    score: int
    rule: str
    summary: list[str]
    indicators: list[ExplainedIndicator]
    elements: list[ExplainedElement] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    next_steps_source: str = ""
    uses_defaults: bool = False

    @property
    def catalogue_title(self) -> str:
        return str(pick(self.catalogue.title))

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "level_label": self.level_label,
            "score": self.score,
            "rule": self.rule,
            "summary": self.summary,
            "indicators": [vars(item) for item in self.indicators],
            "elements": [vars(item) for item in self.elements],
            "next_steps": self.next_steps,
        }


def explain(screening: Screening) -> Explained:
    catalogue = Catalogue.from_snapshot(screening.catalogue.snapshot)
    result = screening.result
    indicators = []
    for item in result.get("contributions", []):
        indicator = catalogue.indicator(item["indicator"])
        if indicator is None:
            continue
        group = catalogue.group(indicator.group)
        indicators.append(
            ExplainedIndicator(
                code=indicator.code,
                text=pick(indicator.text),
                group=pick(group.title) if group else indicator.group,
                points=item["points"],
                grade=grade_label(item["grade"]),
                source=indicator.source,
                weight_is_default=(
                    indicator.points_source == DEFAULT_SOURCE
                    if result["rule"] == "points"
                    else indicator.grade_source == DEFAULT_SOURCE
                ),
            )
        )
    level = catalogue.level(result["level"])
    explained = Explained(
        catalogue=catalogue,
        level=result["level"],
        level_label=pick(level.label),
        score=result["score"],
        rule=result["rule"],
        summary=[],
        indicators=indicators,
        next_steps=list(pick(level.next_steps)),
        next_steps_source=level.source,
        uses_defaults=any(item.weight_is_default for item in indicators)
        or catalogue.scoring.source == DEFAULT_SOURCE,
    )
    if result["rule"] == "points":
        explained.summary = _points_summary(result, explained)
    else:
        explained.elements = [
            ExplainedElement(
                title=_group_title(catalogue, item["group"]),
                present=item["present"],
                counts=item["counts"],
                parts=[part_label(part) for part in item["parts"]],
            )
            for item in result.get("elements", [])
        ]
        explained.summary = _elements_summary(result, explained, screening.population)
    return explained


def _group_title(catalogue: Catalogue, code: str) -> str:
    group = catalogue.group(code)
    return str(pick(group.title)) if group is not None else code


def _points_summary(result: dict[str, Any], explained: Explained) -> list[str]:
    count = len(explained.indicators)
    thresholds = result.get("thresholds", {})
    return [
        ngettext(
            "%(count)d indicator was observed, worth %(score)d points in total.",
            "%(count)d indicators were observed, worth %(score)d points in total.",
            count,
        )
        % {"count": count, "score": result["score"]},
        _(
            "Weak signs need a score of at least %(weak)d and strong signs at least %(strong)d, so "
            "the result is: %(level)s."
        )
        % {
            "weak": thresholds.get("weak_signs", 0),
            "strong": thresholds.get("strong_signs", 0),
            "level": explained.level_label,
        },
    ]


def _elements_summary(result: dict[str, Any], explained: Explained, population: str) -> list[str]:
    present = [item.title for item in explained.elements if item.present]
    lines = [
        _("Elements present: %(elements)s.") % {"elements": ", ".join(present)}
        if present
        else _("No element of the trafficking definition is present yet.")
    ]
    required = [part_label(part) for part in result.get("parts_required", [])]
    if required:
        lines.append(_("Strong signs need %(parts)s.") % {"parts": ", ".join(required)})
    if result.get("parts_waived"):
        lines.append(
            _(
                "The person is a minor, so the means are not required: for a child the act for "
                "the purpose of exploitation is trafficking without any means (Directive "
                "2011/36/EU, art. 2(5))."
            )
        )
    elif population == "unknown" and "means" in result.get("parts_missing", []):
        lines.append(
            _(
                "If the person is a minor, the means are not required: record the age and "
                "screen again."
            )
        )
    missing = [part_label(part) for part in result.get("parts_missing", [])]
    if missing:
        lines.append(_("Not yet shown: %(parts)s.") % {"parts": ", ".join(missing)})
    lines.append(_("Result: %(level)s.") % {"level": explained.level_label})
    return lines
