"""Indicator catalogues (DESIGN rule 3): the shipped files, their validation and their versions.

A catalogue file that an editor breaks must stop start-up with the file and line to fix; the
shipped files must load, carry the content of their sources, and mark every value the sources do
not give as a default.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

import opennrm
from opennrm.core import jurisdictions
from opennrm.core.rulefiles import CITATION, RuleFileError, load_yaml
from opennrm.intake import catalogues
from opennrm.intake.catalogues import Catalogue, load_catalogues, parse_catalogue
from opennrm.intake.checks import check_rule_files

RULES = Path(opennrm.__file__).resolve().parent / "jurisdictions"
SHIPPED = RULES / "catalogues"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "catalogues"
MINI = FIXTURES / "mini.v1.yaml"
SHARED_004 = (
    Path(__file__).resolve().parents[2].parent / "shared" / "sources" / "004_66b302bc5287d760.txt"
)
COPY_004 = Path(__file__).resolve().parent / "fixtures" / "sources" / "004_66b302bc5287d760.txt"
SOURCE_004 = SHARED_004 if SHARED_004.is_file() else COPY_004

SHIPPED_IDS = [
    "adult-labour-exploitation",
    "adult-sexual-exploitation",
    "nl-criminal-exploitation-minors",
    "watch-truckstop",
]
ADULT_IDS = ["adult-labour-exploitation", "adult-sexual-exploitation"]
NL_MINORS = "nl-criminal-exploitation-minors"


def shipped(catalogue_id: str) -> Catalogue:
    return parse_catalogue(SHIPPED / f"{catalogue_id}.v1.yaml")


def mini_variant(tmp_path: Path, old: str, new: str, *, name: str = "mini.v1.yaml") -> Path:
    """A copy of the valid fixture with the one occurrence of ``old`` replaced by ``new``."""
    text = MINI.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the fixture must hold {old!r} exactly once"
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """The 1-based number of the ``occurrence``-th line of ``path`` that contains ``needle``."""
    hits = [
        number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if needle in line
    ]
    assert len(hits) >= occurrence, f"{needle!r} is not in {path} {occurrence} time(s)"
    return hits[occurrence - 1]


@pytest.fixture
def rules_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """``OPENNRM_RULES_DIR`` pointing at a copy of the shipped jurisdictions, with an empty
    ``catalogues/`` directory; the loaders' caches are emptied before and after."""
    directory = tmp_path / "rules"
    (directory / "catalogues").mkdir(parents=True)
    for name in ("nl.yaml", "be.yaml"):
        shutil.copy(RULES / name, directory / name)
    settings.OPENNRM_RULES_DIR = directory
    catalogues.reset_cache()
    jurisdictions.reset_cache()
    yield directory
    catalogues.reset_cache()
    jurisdictions.reset_cache()


# --- the shipped catalogues ----------------------------------------------------------------------


def test_every_shipped_catalogue_loads_without_errors() -> None:
    found, errors = load_catalogues([SHIPPED])

    assert errors == []
    assert sorted(item.id for item in found.catalogues) == SHIPPED_IDS
    assert [item.key for item in found.current()] == [f"{id_}@v1" for id_ in SHIPPED_IDS]


def test_the_configured_rules_directory_is_the_shipped_one_by_default() -> None:
    catalogues.reset_cache()
    try:
        assert sorted(item.id for item in catalogues.catalogues().current()) == SHIPPED_IDS
    finally:
        catalogues.reset_cache()


def test_nl_minors_catalogue_is_grouped_by_the_five_barriers() -> None:
    catalogue = shipped(NL_MINORS)

    assert [group.code for group in catalogue.groups] == [
        "entry",
        "accommodation",
        "identity",
        "employment",
        "finance",
    ]
    assert {group.kind for group in catalogue.groups} == {"barrier"}
    assert catalogue.population == "minor"
    assert all(catalogue.indicators_of(group.code) for group in catalogue.groups)


def test_every_nl_minors_indicator_cites_the_signals_of_source_004() -> None:
    catalogue = shipped(NL_MINORS)

    assert catalogue.indicators
    for indicator in catalogue.indicators:
        match = CITATION.match(indicator.source)
        assert match is not None, indicator.code
        start = int(match.group("start"))
        end = int(match.group("end") or start)
        assert match.group("source") == "004", indicator.code
        assert 173 <= start <= end <= 242, (indicator.code, indicator.source)


@pytest.mark.parametrize("catalogue_id", ADULT_IDS)
def test_adult_catalogues_have_the_six_ilo_ec_elements(catalogue_id: str) -> None:
    catalogue = shipped(catalogue_id)

    assert [(group.code, group.kind, group.parts) for group in catalogue.groups] == [
        ("deceptive-recruitment", "element", ("act", "means")),
        ("coercive-recruitment", "element", ("act", "means")),
        ("recruitment-abuse-of-vulnerability", "element", ("act", "means")),
        ("exploitation", "element", ("exploitation",)),
        ("coercion-at-destination", "element", ("means",)),
        ("abuse-of-vulnerability-at-destination", "element", ("means",)),
    ]
    assert catalogue.population == "adult"
    assert catalogue.scoring.rule == "elements"
    assert catalogue.scoring.not_required_for_minors == ("means",)


def test_watch_catalogue_has_the_five_watch_words() -> None:
    catalogue = shipped("watch-truckstop")

    assert [indicator.text["en"] for indicator in catalogue.indicators] == [
        "Watched",
        "Afraid",
        "Tired",
        "Confused",
        "Housed at work",
    ]
    assert [group.kind for group in catalogue.groups] == ["checklist"]


@pytest.mark.parametrize("catalogue_id", SHIPPED_IDS)
def test_every_shipped_indicator_has_text_in_english_dutch_and_french(catalogue_id: str) -> None:
    catalogue = shipped(catalogue_id)

    for indicator in catalogue.indicators:
        for language in ("en", "nl", "fr"):
            text = indicator.text.get(language, "")
            assert isinstance(text, str), (indicator.code, language)
            assert text.strip(), (indicator.code, language)


@pytest.mark.parametrize("path", [*sorted(SHIPPED.glob("*.yaml")), MINI], ids=lambda p: p.name)
def test_weights_the_sources_do_not_give_are_marked_default(path: Path) -> None:
    raw = load_yaml(path)
    catalogue = parse_catalogue(path)
    default_points = raw["defaults"]["points"]
    default_grade = raw["defaults"]["grade"]

    assert len(catalogue.indicators) == len(raw["indicators"])
    for item, indicator in zip(raw["indicators"], catalogue.indicators, strict=True):
        assert indicator.code == item["code"]
        if "points" in item:
            assert indicator.points == item["points"]
            assert CITATION.match(indicator.points_source), indicator.code
        else:
            assert indicator.points == default_points, indicator.code
            assert indicator.points_source == "default", indicator.code
        if "grade" in item:
            assert indicator.grade == item["grade"]
            assert CITATION.match(indicator.grade_source), indicator.code
        else:
            assert indicator.grade == default_grade, indicator.code
            assert indicator.grade_source == "default", indicator.code


def test_the_fixture_has_cited_and_default_points() -> None:
    catalogue = parse_catalogue(MINI)

    assert [(i.code, i.points, i.points_source) for i in catalogue.indicators] == [
        ("travels", 1, "default"),
        ("no-papers", 2, "001:L1210"),
        ("afraid", 3, "001:L1211"),
    ]


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _reconstructed_codes(path: Path) -> set[str]:
    """Codes of the indicators whose comment block says the text was reconstructed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    codes = set()
    for item in load_yaml(path)["indicators"]:
        index = item.line - 2  # the line above "- code: ..."
        comment = []
        while index >= 0 and lines[index].strip().startswith("#"):
            comment.append(lines[index])
            index -= 1
        if "reconstructed" in " ".join(comment).lower():
            codes.add(item["code"])
    return codes


def test_the_copy_of_source_004_is_the_shared_file() -> None:
    if SHARED_004.is_file():
        assert COPY_004.read_bytes() == SHARED_004.read_bytes()
    assert COPY_004.is_file()


def test_nl_minors_english_texts_come_from_source_004() -> None:
    source_lines = SOURCE_004.read_text(encoding="utf-8").splitlines()
    path = SHIPPED / f"{NL_MINORS}.v1.yaml"
    reconstructed = _reconstructed_codes(path)
    verbatim_checked = words_checked = 0

    for indicator in parse_catalogue(path).indicators:
        match = CITATION.match(indicator.source)
        assert match is not None
        start = int(match.group("start"))
        end = int(match.group("end") or start)
        cited = _normalise(" ".join(source_lines[start - 1 : end]))
        text = _normalise(indicator.text["en"].removesuffix(" […]"))
        if indicator.code in reconstructed:
            words = set(cited.split())
            missing = [word for word in text.split() if word not in words]
            assert missing == [], (indicator.code, indicator.source)
            words_checked += 1
        else:
            assert text in cited, (indicator.code, indicator.source)
            verbatim_checked += 1

    assert verbatim_checked > 0
    assert words_checked > 0


# --- malformed files -----------------------------------------------------------------------------

BROKEN = [
    pytest.param(
        "jurisdiction: NL", "\tjurisdiction: NL", "\tjurisdiction", 1, "is not valid YAML",
        id="yaml-syntax",
    ),
    pytest.param(
        "population: any\n", "population: any\ncolour: blue\n", "colour:", 1,
        "unknown key 'colour'", id="unknown-top-level-key",
    ),
    pytest.param(
        '    source: "004:L203"\n', '    source: "004:L203"\n    weight: 2\n', "weight:", 1,
        "unknown key 'weight'", id="unknown-indicator-key",
    ),
    pytest.param(
        'source: "004:L203"', 'source: "p. 12"', 'source: "p. 12"', 1, "must cite a source line",
        id="citation-as-page",
    ),
    pytest.param(
        '    points: 3\n    points_source: "001:L1211"\n', "    points: 3\n", "points: 3", 1,
        "go together", id="points-without-points-source",
    ),
    pytest.param(
        '    points: 3\n    points_source: "001:L1211"\n', '    points_source: "001:L1211"\n',
        'points_source: "001:L1211"', 1, "go together", id="points-source-without-points",
    ),
    pytest.param(
        "    group: signs\n", "    group: exit\n", "group: exit", 1, "'exit' is not defined",
        id="unknown-group",
    ),
    pytest.param(
        "  - code: afraid", "  - code: travels", "- code: travels", 2, "used twice",
        id="duplicate-indicator-code",
    ),
    pytest.param(
        "    strong_signs: 5", "    strong_signs: 2", "strong_signs: 2", 1, "must be above",
        id="strong-equals-weak",
    ),
    pytest.param(
        "    strong_signs: 5", "    strong_signs: 1", "strong_signs: 1", 1, "must be above",
        id="strong-below-weak",
    ),
    pytest.param(
        '      fr: "Apeuré(e)"\n', "", 'en: "Afraid"', 1, "'fr' is missing",
        id="missing-french-text",
    ),
    pytest.param(
        "  - code: entry\n    kind: barrier", "  - code: street\n    kind: barrier",
        "- code: street", 1, "a barrier's code must be one of", id="barrier-with-other-code",
    ),
    pytest.param(
        "id: mini\n", "id: maxi\n", "id: maxi", 1, "must match the file name",
        id="id-not-file-name",
    ),
    pytest.param(
        "version: 1\n", "version: 2\n", "version: 2", 1, "must match the file name",
        id="version-not-file-name",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "needle", "occurrence", "message"), BROKEN)
def test_a_malformed_catalogue_is_reported_at_its_file_and_line(
    tmp_path: Path, old: str, new: str, needle: str, occurrence: int, message: str
) -> None:
    path = mini_variant(tmp_path, old, new)
    line = line_of(path, needle, occurrence)

    with pytest.raises(RuleFileError) as caught:
        parse_catalogue(path)

    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert caught.value.path == str(path)
    assert caught.value.line == line
    assert message in caught.value.message


def test_load_catalogues_collects_the_error_and_leaves_the_bad_file_out(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "mini-elements.v1.yaml", tmp_path)
    path = mini_variant(tmp_path, 'source: "004:L203"', 'source: "p. 12"')

    found, errors = load_catalogues([tmp_path])

    assert [item.id for item in found.catalogues] == ["mini-elements"]
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{path}:{line_of(path, 'p. 12')}: indicators[2]: ")
    assert "'source' must cite a source line" in errors[0].message


def test_a_file_not_named_id_and_version_is_refused(tmp_path: Path) -> None:
    path = mini_variant(tmp_path, "id: mini\n", "id: mini\n", name="mini.yaml")

    with pytest.raises(RuleFileError) as caught:
        parse_catalogue(path)

    assert str(caught.value) == f"{path}: the file name must be <id>.v<version>.yaml"


def test_two_files_with_the_same_id_and_version_are_refused(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    shutil.copy(MINI, first / MINI.name)
    shutil.copy(MINI, second / MINI.name)

    found, errors = load_catalogues([first, second])

    assert [item.path for item in found.catalogues] == [str(first / MINI.name)]
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{second / MINI.name}:1: ")
    assert "mini@v1" in errors[0].message
    assert str(first / MINI.name) in errors[0].message


def test_a_missing_catalogue_directory_is_an_error(tmp_path: Path) -> None:
    found, errors = load_catalogues([tmp_path / "nowhere"])

    assert found.catalogues == ()
    assert [error.path for error in errors] == [str(tmp_path / "nowhere")]


# --- manage.py check -----------------------------------------------------------------------------


def test_check_refuses_to_start_with_a_malformed_catalogue(rules_dir: Path) -> None:
    path = mini_variant(rules_dir / "catalogues", "    strong_signs: 5", "    strong_signs: 2")
    line = line_of(path, "strong_signs: 2")

    with pytest.raises(SystemCheckError) as caught:
        call_command("check")

    message = str(caught.value)
    assert "opennrm.E101" in message
    assert f"{path.name}:{line}:" in message
    assert "opennrm.E100" not in message  # the copied jurisdiction files are fine


def test_check_reports_the_problem_with_its_id(rules_dir: Path) -> None:
    path = mini_variant(rules_dir / "catalogues", "id: mini\n", "id: maxi\n")

    problems = check_rule_files()

    assert [(problem.id, problem.msg) for problem in problems] == [
        (
            "opennrm.E101",
            f"{path}:{line_of(path, 'id: maxi')}: 'id' must match the file name ('mini')",
        )
    ]


def test_check_passes_on_the_shipped_files() -> None:
    assert check_rule_files() == []
    call_command("check")  # raises SystemCheckError on any error


def test_check_passes_on_a_valid_copy(rules_dir: Path) -> None:
    shutil.copy(MINI, rules_dir / "catalogues" / MINI.name)

    assert check_rule_files() == []
    call_command("check")


# --- versions and snapshots ----------------------------------------------------------------------


@pytest.fixture
def two_versions(tmp_path: Path) -> Path:
    directory = tmp_path / "catalogues"
    directory.mkdir()
    shutil.copy(MINI, directory / MINI.name)
    text = MINI.read_text(encoding="utf-8")
    (directory / "mini.v2.yaml").write_text(
        text.replace("version: 1\n", "version: 2\n").replace('en: "Afraid"', 'en: "Scared"'),
        encoding="utf-8",
    )
    return directory


def test_the_newest_version_is_the_default_and_older_ones_stay_available(
    two_versions: Path,
) -> None:
    found, errors = load_catalogues([two_versions])

    assert errors == []
    newest = found.get("mini")
    first = found.get("mini", 1)
    assert newest is not None and newest.version == 2
    assert first is not None and first.version == 1
    assert first.indicator("afraid").text["en"] == "Afraid"  # type: ignore[union-attr]
    assert newest.indicator("afraid").text["en"] == "Scared"  # type: ignore[union-attr]
    assert [item.version for item in found.versions("mini")] == [1, 2]
    assert [item.key for item in found.current()] == ["mini@v2"]
    assert found.get("mini", 3) is None
    assert found.get("maxi") is None


def test_the_cached_catalogues_follow_the_rules_directory(
    rules_dir: Path, two_versions: Path
) -> None:
    for path in two_versions.iterdir():
        shutil.copy(path, rules_dir / "catalogues" / path.name)

    loaded = catalogues.catalogues()

    assert [item.key for item in loaded.current()] == ["mini@v2"]
    assert catalogues.catalogues() is loaded  # loaded once per process


@pytest.mark.parametrize("path", [*sorted(SHIPPED.glob("*.yaml")), MINI], ids=lambda p: p.name)
def test_a_snapshot_restores_the_same_catalogue(path: Path) -> None:
    catalogue = parse_catalogue(path)
    stored = json.loads(json.dumps(catalogue.as_snapshot()))  # as kept in a JSON field

    restored = Catalogue.from_snapshot(stored)

    assert restored == catalogue
    assert restored.digest == catalogue.digest
    assert re.fullmatch(r"[0-9a-f]{64}", catalogue.digest)


def test_the_digest_does_not_depend_on_where_the_file_lies(tmp_path: Path) -> None:
    copy = tmp_path / MINI.name
    shutil.copy(MINI, copy)

    assert parse_catalogue(copy).digest == parse_catalogue(MINI).digest


def test_changing_one_indicator_text_changes_the_digest(tmp_path: Path) -> None:
    changed = mini_variant(tmp_path, 'nl: "Bang"', 'nl: "Angstig"')

    original, edited = parse_catalogue(MINI), parse_catalogue(changed)

    assert edited != original
    assert edited.digest != original.digest
