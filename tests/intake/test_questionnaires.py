"""The first-contact questionnaire: questions in many languages, one file per language.

A half-translated language must never reach a person: a language file that lacks a text, or is
not valid JSON, is refused with its file (and line where there is one). More languages are just
more files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from opennrm.core.rulefiles import RuleFileError
from opennrm.intake.questionnaires import (
    DIRECTORY,
    FIRST_CONTACT,
    Questionnaire,
    load_questionnaires,
    parse_questionnaire,
)

SHIPPED = DIRECTORY / FIRST_CONTACT
LANGUAGES = ["en", "nl", "fr", "ro", "bg", "pl", "es", "ar", "zh-hans", "vi"]


@pytest.fixture(scope="module")
def first_contact() -> Questionnaire:
    return parse_questionnaire(SHIPPED)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the shipped questionnaire directory, to break or extend."""
    directory = tmp_path / FIRST_CONTACT
    shutil.copytree(SHIPPED, directory)
    return directory


def test_the_shipped_questionnaire_loads_without_errors() -> None:
    found, errors = load_questionnaires()

    assert errors == []
    assert FIRST_CONTACT in found
    assert found[FIRST_CONTACT].questions


def test_the_shipped_languages(first_contact: Questionnaire) -> None:
    assert set(LANGUAGES) <= set(first_contact.translations)
    assert {item.code for item in first_contact.languages} == set(first_contact.translations)


def test_every_language_has_every_text(first_contact: Questionnaire) -> None:
    for code, translation in first_contact.translations.items():
        assert translation.title.strip(), code
        assert translation.intro.strip(), code
        assert translation.name.strip(), code
        for question in first_contact.questions:
            assert translation.questions[question.code].strip(), (code, question.code)
            options = first_contact.options_of(question)
            assert options, question.code
            for option in options:
                assert translation.option_text(question, option).strip(), (
                    code,
                    question.code,
                    option,
                )


def test_arabic_is_written_right_to_left_and_the_others_left_to_right(
    first_contact: Questionnaire,
) -> None:
    directions = {code: item.direction for code, item in first_contact.translations.items()}

    assert directions["ar"] == "rtl"
    assert {code for code, direction in directions.items() if direction == "rtl"} == {"ar"}
    assert set(directions.values()) == {"ltr", "rtl"}


def test_a_language_file_missing_a_question_is_refused(copy: Path) -> None:
    path = copy / "nl.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["questions"]["debt"]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")

    with pytest.raises(RuleFileError) as caught:
        parse_questionnaire(copy)

    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert "debt" in caught.value.message


def test_a_language_file_missing_an_option_is_refused(copy: Path) -> None:
    path = copy / "ar.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["options"]["sleep"]["no-place"]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")

    with pytest.raises(RuleFileError) as caught:
        parse_questionnaire(copy)

    assert caught.value.path == str(path)
    assert "no-place" in caught.value.message


def test_an_empty_text_is_refused(copy: Path) -> None:
    path = copy / "fr.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["answers"]["unsure"] = "  "
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")

    with pytest.raises(RuleFileError) as caught:
        parse_questionnaire(copy)

    assert caught.value.path == str(path)
    assert "answers.unsure" in caught.value.message


def test_invalid_json_is_refused_with_its_line(copy: Path) -> None:
    path = copy / "pl.json"
    lines = path.read_text(encoding="utf-8").splitlines()
    title = next(index for index, line in enumerate(lines) if line.lstrip().startswith('"title"'))
    lines[title] = lines[title].rstrip().removesuffix(",")  # the comma before "intro" is lost
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(RuleFileError) as caught:
        parse_questionnaire(copy)

    line = title + 2  # the parser stops at "intro", on the next line
    assert lines[line - 1].lstrip().startswith('"intro"')
    assert str(caught.value).startswith(f"{path}:{line}: is not valid JSON")


def test_a_broken_language_stops_the_whole_questionnaire(copy: Path) -> None:
    (copy / "vi.json").write_text("{", encoding="utf-8")

    found, errors = load_questionnaires(copy.parent)

    assert found == {}
    assert [error.path for error in errors] == [str(copy / "vi.json")]


def test_more_languages_are_just_files(copy: Path) -> None:
    data = json.loads((copy / "en.json").read_text(encoding="utf-8"))
    data["language"].update(code="de", name="Deutsch", english_name="German")
    data["title"] = "Fragen beim ersten Kontakt"
    (copy / "de.json").write_text(json.dumps(data, indent=2), encoding="utf-8")

    found, errors = load_questionnaires(copy.parent)

    assert errors == []
    german = found[FIRST_CONTACT].translations["de"]
    assert (german.name, german.direction, german.title) == (
        "Deutsch",
        "ltr",
        "Fragen beim ersten Kontakt",
    )
    assert "de" in {item.code for item in found[FIRST_CONTACT].languages}


def test_a_language_file_must_be_named_after_its_code(copy: Path) -> None:
    shutil.copy(copy / "en.json", copy / "de.json")  # still says "code": "en"

    with pytest.raises(RuleFileError) as caught:
        parse_questionnaire(copy)

    assert caught.value.path == str(copy / "de.json")
    assert "language.code" in caught.value.message
