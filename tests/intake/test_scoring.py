"""Scoring a screening: the points rule and the elements rule, with the reasons for the level.

The catalogues are small fixture files (``fixtures/catalogues/``) so each threshold can be hit
exactly; the last tests screen the shipped Dutch catalogue with its default thresholds.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import opennrm
from opennrm.intake.catalogues import Catalogue, parse_catalogue
from opennrm.intake.scoring import UnknownIndicatorError, screen

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "catalogues"
SHIPPED = Path(opennrm.__file__).resolve().parent / "jurisdictions" / "catalogues"

# Both rule sets need every part of the definition (act, means, exploitation).
ACT = "recruit-strong"
MEANS = "coercion-strong"
EXPLOITATION = "exploitation-strong"


@pytest.fixture(scope="module")
def points() -> Catalogue:
    """Points rule, weak 2 / strong 5; travels 1 (default), no-papers 2, afraid 3."""
    return parse_catalogue(FIXTURES / "mini.v1.yaml")


@pytest.fixture(scope="module")
def elements() -> Catalogue:
    """Elements rule; present with {strong: 1} or {medium: 2} or {medium: 1, weak: 1}."""
    return parse_catalogue(FIXTURES / "mini-elements.v1.yaml")


@pytest.fixture(scope="module")
def nl_minors() -> Catalogue:
    return parse_catalogue(SHIPPED / "nl-criminal-exploitation-minors.v1.yaml")


def test_the_fixtures_are_what_the_tests_assume(points: Catalogue, elements: Catalogue) -> None:
    assert (points.scoring.weak_threshold, points.scoring.strong_threshold) == (2, 5)
    assert [(i.code, i.points) for i in points.indicators] == [
        ("travels", 1),
        ("no-papers", 2),
        ("afraid", 3),
    ]
    assert elements.scoring.element_present == (
        {"strong": 1},
        {"medium": 2},
        {"medium": 1, "weak": 1},
    )


# --- points rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("observed", "score", "level"),
    [
        pytest.param([], 0, "no_signs", id="nothing"),
        pytest.param(["travels"], 1, "no_signs", id="below-weak"),
        pytest.param(["no-papers"], 2, "weak_signs", id="exactly-weak"),
        pytest.param(["travels", "afraid"], 4, "weak_signs", id="just-below-strong"),
        pytest.param(["no-papers", "afraid"], 5, "strong_signs", id="exactly-strong"),
        pytest.param(["travels", "no-papers", "afraid"], 6, "strong_signs", id="above-strong"),
    ],
)
def test_points_reach_the_thresholds(
    points: Catalogue, observed: list[str], score: int, level: str
) -> None:
    result = screen(points, observed, "adult")

    assert (result.rule, result.score, result.level) == ("points", score, level)
    assert result.thresholds == {"weak_signs": 2, "strong_signs": 5}


def test_points_are_the_sum_of_each_indicators_own_points(points: Catalogue) -> None:
    result = screen(points, ["afraid", "travels"], "unknown")

    assert [(c.indicator, c.points) for c in result.contributions] == [
        ("travels", 1),
        ("afraid", 3),
    ]
    assert result.score == 4


def test_contributions_follow_the_catalogue_order(points: Catalogue) -> None:
    result = screen(points, ["afraid", "no-papers", "travels", "afraid"], "adult")

    assert [c.indicator for c in result.contributions] == ["travels", "no-papers", "afraid"]
    assert [c.group for c in result.contributions] == ["entry", "entry", "signs"]
    assert result.as_dict()["contributions"] == [
        {"indicator": "travels", "group": "entry", "points": 1, "grade": "medium"},
        {"indicator": "no-papers", "group": "entry", "points": 2, "grade": "medium"},
        {"indicator": "afraid", "group": "signs", "points": 3, "grade": "medium"},
    ]


def test_a_repeated_code_counts_once(points: Catalogue) -> None:
    assert screen(points, ["no-papers", "no-papers", "no-papers"], "adult").score == 2


# --- elements rule -------------------------------------------------------------------------------


def test_act_means_and_exploitation_are_strong_signs_for_an_adult(elements: Catalogue) -> None:
    result = screen(elements, [ACT, MEANS, EXPLOITATION], "adult")

    assert result.rule == "elements"
    assert result.level == "strong_signs"
    assert result.parts_present == ("act", "means", "exploitation")
    assert result.parts_missing == ()
    assert result.parts_waived == ()
    assert result.score == 3  # elements present


def test_an_adult_without_the_means_has_weak_signs(elements: Catalogue) -> None:
    result = screen(elements, [ACT, EXPLOITATION], "adult")

    assert result.level == "weak_signs"
    assert result.parts_required == ("act", "means", "exploitation")
    assert result.parts_missing == ("means",)
    assert result.parts_waived == ()


def test_for_a_minor_the_means_are_waived(elements: Catalogue) -> None:
    result = screen(elements, [ACT, EXPLOITATION], "minor")

    assert result.level == "strong_signs"
    assert result.parts_waived == ("means",)
    assert result.parts_required == ("act", "exploitation")
    assert result.parts_missing == ()


def test_a_minor_still_needs_the_act_and_the_exploitation(elements: Catalogue) -> None:
    result = screen(elements, [ACT, MEANS], "minor")

    assert result.level == "weak_signs"
    assert result.parts_missing == ("exploitation",)
    assert result.parts_waived == ("means",)


def test_an_unknown_age_keeps_the_means_required(elements: Catalogue) -> None:
    result = screen(elements, [ACT, EXPLOITATION], "unknown")

    assert result.level == "weak_signs"
    assert result.parts_missing == ("means",)
    assert result.parts_waived == ()


@pytest.mark.parametrize(
    ("in_recruitment", "present"),
    [
        pytest.param(["recruit-strong"], True, id="one-strong"),
        pytest.param(["recruit-weak-1", "recruit-weak-2"], False, id="below-one-strong"),
        pytest.param(["recruit-medium-1", "recruit-medium-2"], True, id="two-medium"),
        pytest.param(["recruit-medium-1"], False, id="one-medium-below-two"),
        pytest.param(["recruit-medium-1", "recruit-weak-1"], True, id="one-medium-one-weak"),
        pytest.param(["recruit-weak-1"], False, id="one-weak-below-medium-and-weak"),
    ],
)
def test_an_element_is_present_when_one_alternative_holds(
    elements: Catalogue, in_recruitment: list[str], present: bool
) -> None:
    result = screen(elements, [*in_recruitment, MEANS, EXPLOITATION], "adult")

    finding = next(item for item in result.elements if item.group == "recruitment")
    assert finding.present is present
    assert finding.parts == ("act",)
    assert result.level == ("strong_signs" if present else "weak_signs")
    assert result.parts_missing == (() if present else ("act",))


def test_element_findings_count_the_grades(elements: Catalogue) -> None:
    result = screen(elements, ["recruit-medium-1", "recruit-weak-1", "recruit-weak-2"], "adult")

    assert [(e.group, e.counts, e.present) for e in result.elements] == [
        ("recruitment", {"strong": 0, "medium": 1, "weak": 2}, True),
        ("coercion", {"strong": 0, "medium": 0, "weak": 0}, False),
        ("exploitation", {"strong": 0, "medium": 0, "weak": 0}, False),
    ]
    assert result.parts_present == ("act",)


@pytest.mark.parametrize("population", ["adult", "minor", "unknown"])
def test_no_indicators_means_no_signs(elements: Catalogue, population: str) -> None:
    result = screen(elements, [], population)

    assert result.level == "no_signs"
    assert result.contributions == ()


def test_weak_signs_need_the_minimum_number_of_indicators(elements: Catalogue) -> None:
    stricter = dataclasses.replace(
        elements, scoring=dataclasses.replace(elements.scoring, weak_signs_min_indicators=2)
    )

    assert screen(stricter, ["recruit-weak-1"], "adult").level == "no_signs"
    assert screen(stricter, ["recruit-weak-1", "recruit-weak-2"], "adult").level == "weak_signs"


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["points", "elements"])
def test_an_unknown_code_is_refused(request: pytest.FixtureRequest, fixture: str) -> None:
    catalogue = request.getfixturevalue(fixture)
    first = catalogue.indicators[0].code

    with pytest.raises(UnknownIndicatorError) as caught:
        screen(catalogue, [first, "made-up", "also-made-up"], "adult")

    assert sorted(caught.value.codes) == ["also-made-up", "made-up"]
    assert "made-up" in str(caught.value)


# --- the shipped Dutch catalogue -----------------------------------------------------------------


def test_the_shipped_nl_catalogue_uses_the_default_thresholds(nl_minors: Catalogue) -> None:
    assert nl_minors.scoring.rule == "points"
    assert (nl_minors.scoring.weak_threshold, nl_minors.scoring.strong_threshold) == (1, 3)


@pytest.mark.parametrize(
    ("observed", "level"),
    [
        pytest.param([], "no_signs", id="none"),
        pytest.param(["entry-01"], "weak_signs", id="one"),
        pytest.param(["entry-01", "identity-04"], "weak_signs", id="two"),
        pytest.param(["entry-01", "identity-04", "finance-02"], "strong_signs", id="three"),
    ],
)
def test_screening_the_shipped_nl_catalogue(
    nl_minors: Catalogue, observed: list[str], level: str
) -> None:
    result = screen(nl_minors, observed, "minor")

    assert result.level == level
    assert result.score == len(observed)
