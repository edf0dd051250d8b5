"""Jurisdiction files (nl.yaml, be.yaml): country, time zone and regions, checked at start-up."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

import opennrm
from opennrm.core import jurisdictions
from opennrm.core.jurisdictions import load_jurisdictions, parse_jurisdiction
from opennrm.core.rulefiles import RuleFileError

RULES = Path(opennrm.__file__).resolve().parent / "jurisdictions"
NL_PROVINCES = {
    "NL-DR", "NL-FL", "NL-FR", "NL-GE", "NL-GR", "NL-LI",
    "NL-NB", "NL-NH", "NL-OV", "NL-UT", "NL-ZE", "NL-ZH",
}  # fmt: skip


def variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the shipped ``name`` with the one occurrence of ``old`` replaced by ``new``."""
    text = (RULES / name).read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{name} must hold {old!r} exactly once"
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


@pytest.fixture
def rules_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """``OPENNRM_RULES_DIR`` pointing at a copy of the shipped rules; caches emptied around it."""
    directory = tmp_path / "rules"
    shutil.copytree(RULES, directory)
    settings.OPENNRM_RULES_DIR = directory
    jurisdictions.reset_cache()
    yield directory
    jurisdictions.reset_cache()


def test_nl_and_be_load() -> None:
    found, errors = load_jurisdictions(RULES)

    assert errors == []
    assert {"NL", "BE"} <= set(found)
    assert (found["NL"].time_zone, found["BE"].time_zone) == ("Europe/Amsterdam", "Europe/Brussels")
    assert found["NL"].names["nl"] == "Nederland"
    assert found["BE"].names["fr"] == "Belgique"


def test_nl_has_its_twelve_provinces() -> None:
    netherlands = parse_jurisdiction(RULES / "nl.yaml")

    codes = [region.code for region in netherlands.regions]
    assert len(codes) == 12
    assert set(codes) == NL_PROVINCES
    assert all(code.startswith("NL-") for code in codes)
    utrecht = netherlands.region("NL-UT")
    assert utrecht is not None and utrecht.names["en"] == "Utrecht"
    assert netherlands.region("BE-VLG") is None


def test_be_has_its_three_regions() -> None:
    belgium = parse_jurisdiction(RULES / "be.yaml")

    assert [region.code for region in belgium.regions] == ["BE-VLG", "BE-BRU", "BE-WAL"]


def test_a_region_of_another_country_is_refused_at_its_line(tmp_path: Path) -> None:
    path = variant(tmp_path, "nl.yaml", "{code: NL-UT,", "{code: BE-UT,")

    with pytest.raises(RuleFileError) as caught:
        parse_jurisdiction(path)

    line = line_of(path, "BE-UT")
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert caught.value.line == line
    assert "must be a new code starting with NL-" in caught.value.message


def test_a_region_listed_twice_is_refused(tmp_path: Path) -> None:
    path = variant(tmp_path, "nl.yaml", "{code: NL-ZH,", "{code: NL-UT,")

    with pytest.raises(RuleFileError) as caught:
        parse_jurisdiction(path)

    assert caught.value.line == line_of(path, "Hollande-Méridionale")


def test_an_unknown_time_zone_is_refused_at_its_line(tmp_path: Path) -> None:
    path = variant(tmp_path, "be.yaml", "time_zone: Europe/Brussels", "time_zone: Europe/Atlantis")

    with pytest.raises(RuleFileError) as caught:
        parse_jurisdiction(path)

    line = line_of(path, "time_zone:")
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert "unknown time zone 'Europe/Atlantis'" in caught.value.message


def test_the_code_must_match_the_file_name(tmp_path: Path) -> None:
    path = variant(tmp_path, "be.yaml", "code: BE\n", "code: NL\n")

    with pytest.raises(RuleFileError) as caught:
        parse_jurisdiction(path)

    assert caught.value.line == line_of(path, "code: NL")


def test_check_refuses_to_start_with_a_malformed_jurisdiction(rules_dir: Path) -> None:
    path = variant(rules_dir, "nl.yaml", "{code: NL-UT,", "{code: BE-UT,")

    with pytest.raises(SystemCheckError) as caught:
        call_command("check")

    message = str(caught.value)
    assert "opennrm.E100" in message
    assert f"{path.name}:{line_of(path, 'BE-UT')}:" in message


def test_the_loaded_jurisdictions_follow_the_rules_directory(rules_dir: Path) -> None:
    variant(rules_dir, "nl.yaml", "time_zone: Europe/Amsterdam", "time_zone: Europe/Brussels")

    netherlands = jurisdictions.get("NL")

    assert netherlands is not None and netherlands.time_zone == "Europe/Brussels"
    assert jurisdictions.get("XX") is None
