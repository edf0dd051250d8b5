"""First-contact questionnaires: short yes/no and pick-one questions in many languages.

A questionnaire is a directory under ``intake/questionnaires/<id>/`` holding ``questionnaire.yaml``
(the questions and answer codes) and one ``<language>.json`` per language with every text. Adding a
language is adding a file; the system check ``opennrm.E102`` refuses a file that lacks a text or
has one too many, so a half-translated language never reaches a person.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

from opennrm.core.rulefiles import CODE, LANGUAGE_CODE, LoadOnce, Reader, RuleFileError, load_yaml

SCHEMA = "opennrm.questionnaire/1"
KINDS = ("yes_no", "pick_one")
DIRECTORY = Path(__file__).resolve().parent / "questionnaires"


@dataclass(frozen=True)
class Question:
    code: str
    kind: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Translation:
    code: str
    name: str
    english_name: str
    direction: str
    title: str
    intro: str
    answers: dict[str, str]
    questions: dict[str, str]
    options: dict[str, dict[str, str]]

    def option_text(self, question: Question, option: str) -> str:
        if question.kind == "yes_no":
            return self.answers[option]
        return self.options[question.code][option]


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: int
    source: str
    yes_no: tuple[str, ...]
    questions: tuple[Question, ...]
    translations: dict[str, Translation]

    def question(self, code: str) -> Question | None:
        return next((question for question in self.questions if question.code == code), None)

    def options_of(self, question: Question) -> tuple[str, ...]:
        return self.yes_no if question.kind == "yes_no" else question.options

    @property
    def languages(self) -> list[Translation]:
        return sorted(self.translations.values(), key=lambda item: item.english_name)


def _parse_definition(path: Path) -> tuple[str, int, str, tuple[str, ...], tuple[Question, ...]]:
    root = Reader(path, load_yaml(path))
    root.only(("schema", "id", "version", "source", "answer_sets", "questions"))
    if root.raw("schema") != SCHEMA:
        raise root.fail("schema", f"'schema' must be {SCHEMA!r}")
    answer_sets = root.mapping("answer_sets")
    answer_sets.only(("yes_no",))
    yes_no = answer_sets.codes("yes_no")
    questions: list[Question] = []
    for item in root.items("questions"):
        item.only(("code", "kind", "options"))
        code = item.code("code")
        if any(question.code == code for question in questions):
            raise item.fail("code", f"the question code {code!r} is used twice")
        kind = item.choice("kind", KINDS)
        if kind == "pick_one":
            options = item.codes("options")
        elif item.has("options"):
            raise item.fail("options", "only pick_one questions have options")
        else:
            options = ()
        questions.append(Question(code, kind, options))
    return (
        root.code("id"),
        root.integer("version", minimum=1),
        root.text("source"),
        yes_no,
        tuple(questions),
    )


def _exact_keys(path: Path, where: str, value: Any, expected: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        raise RuleFileError(path, None, f"{where} must be an object")
    missing = [key for key in expected if key not in value]
    extra = [key for key in value if key not in expected]
    if missing or extra:
        raise RuleFileError(path, None, f"{where}: missing {missing}, unexpected {extra}")
    for key in expected:
        if not isinstance(value[key], str) or not value[key].strip():
            raise RuleFileError(path, None, f"{where}.{key} must be non-empty text")
    return dict(value)


def _parse_translation(
    path: Path, yes_no: tuple[str, ...], questions: tuple[Question, ...]
) -> Translation:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RuleFileError(path, exc.lineno, f"is not valid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(path, None, f"cannot be read ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise RuleFileError(path, 1, "must be a JSON object")
    _exact_keys(
        path,
        "top level",
        {k: "x" for k in data},
        ["language", "title", "intro", "answers", "questions", "options"],
    )
    language = _exact_keys(
        path, "language", data["language"], ["code", "name", "english_name", "dir"]
    )
    if language["code"] != path.stem or not LANGUAGE_CODE.match(language["code"]):
        raise RuleFileError(path, None, "language.code must be the file name without .json")
    if language["dir"] not in ("ltr", "rtl"):
        raise RuleFileError(path, None, "language.dir must be ltr or rtl")
    for key in ("title", "intro"):
        _exact_keys(path, "top level", {key: data[key]}, [key])
    pick_ones = [question for question in questions if question.kind == "pick_one"]
    options_value = data["options"]
    if not isinstance(options_value, dict):
        raise RuleFileError(path, None, "options must be an object")
    _exact_keys(path, "options", {k: "x" for k in options_value}, [q.code for q in pick_ones])
    return Translation(
        code=language["code"],
        name=language["name"],
        english_name=language["english_name"],
        direction=language["dir"],
        title=data["title"],
        intro=data["intro"],
        answers=_exact_keys(path, "answers", data["answers"], list(yes_no)),
        questions=_exact_keys(path, "questions", data["questions"], [q.code for q in questions]),
        options={
            q.code: _exact_keys(path, f"options.{q.code}", options_value[q.code], list(q.options))
            for q in pick_ones
        },
    )


def parse_questionnaire(directory: Path) -> Questionnaire:
    definition = directory / "questionnaire.yaml"
    if not definition.is_file():
        raise RuleFileError(directory, None, "has no questionnaire.yaml")
    questionnaire_id, version, source, yes_no, questions = _parse_definition(definition)
    if questionnaire_id != directory.name:
        raise RuleFileError(definition, 1, "'id' must be the directory name")
    for question in questions:
        if not CODE.match(question.code):
            raise RuleFileError(definition, None, f"bad question code {question.code!r}")
    translations = {
        path.stem: _parse_translation(path, yes_no, questions)
        for path in sorted(directory.glob("*.json"))
    }
    if "en" not in translations:
        raise RuleFileError(directory, None, "needs an English translation (en.json)")
    return Questionnaire(questionnaire_id, version, source, yes_no, questions, translations)


def load_questionnaires(
    directory: Path | None = None,
) -> tuple[dict[str, Questionnaire], list[RuleFileError]]:
    directory = directory if directory is not None else DIRECTORY
    found: dict[str, Questionnaire] = {}
    errors: list[RuleFileError] = []
    for path in sorted(item for item in directory.iterdir() if item.is_dir()):
        try:
            questionnaire = parse_questionnaire(path)
        except RuleFileError as exc:
            errors.append(exc)
            continue
        found[questionnaire.id] = questionnaire
    return found, errors


_loaded: LoadOnce[dict[str, Questionnaire]] = LoadOnce(load_questionnaires)


def questionnaires() -> dict[str, Questionnaire]:
    return _loaded.get()


FIRST_CONTACT = "first-contact"


def first_contact() -> Questionnaire:
    return questionnaires()[FIRST_CONTACT]


def answer_rows(stored: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(question, answer) in the active language of first-contact answers stored on a signal;
    answers the current questionnaire no longer knows are left out."""
    questionnaire = questionnaires().get(FIRST_CONTACT)
    if not stored or questionnaire is None:
        return []
    mine = (
        questionnaire.translations.get((get_language() or "en").split("-")[0])
        or questionnaire.translations["en"]
    )
    rows = []
    for code, answer in stored.get("answers", {}).items():
        question = questionnaire.question(code)
        if question is not None and answer in questionnaire.options_of(question):
            rows.append((mine.questions[code], mine.option_text(question, answer)))
    return rows
