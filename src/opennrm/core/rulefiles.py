"""Loading rule files (DESIGN rule 3): YAML data that remembers where each value came from.

Rule files (jurisdictions, indicator catalogues, questionnaires) are validated at start-up, and a
mistake must be reported with the file and line an editor can jump to. ``load_yaml`` parses with
PyYAML's safe loader but returns ``Mapping``/``Sequence`` subclasses that keep the line of every
key and item, so a validator can say ``catalogues/x.v1.yaml:42: points must be a whole number``.

Source citations (``"004:L175"``, ``"004:L191-L195"``, ``"domain/ilo-indicators.md:L18-L27"``)
are checked for form here, so every rule file cites the same way.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from django.utils.translation import get_language

CITATION = re.compile(
    r"^(?:(?P<source>\d{3})|domain/(?P<digest>[a-z0-9-]+\.md)):L(?P<start>\d+)(?:-L(?P<end>\d+))?$"
)
DEFAULT_SOURCE = "default"
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})?$")
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class RuleFileError(Exception):
    """A rule file is malformed; ``str()`` names the file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}")


class LineDict(dict[str, Any]):
    """A mapping read from YAML: ``line`` of the mapping, ``key_lines`` of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence read from YAML: ``line`` of the sequence, ``item_lines`` of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise RuleFileError(
                getattr(loader, "name", "?"), key_node.start_mark.line + 1, "keys must be text"
            )
        if key in result:
            raise RuleFileError(
                getattr(loader, "name", "?"),
                key_node.start_mark.line + 1,
                f"the key {key!r} appears twice",
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def pick(texts: Mapping[str, Any], language: str | None = None) -> Any:
    """A rule file's translated text in ``language`` (default: the active one), else English,
    else any."""
    language = (language or get_language() or "en").split("-")[0]
    for candidate in (language, "en"):
        if candidate in texts:
            return texts[candidate]
    return next(iter(texts.values()), "")


def load_yaml(path: Path) -> LineDict:
    """Parse ``path``; a syntax error or a non-mapping document raises ``RuleFileError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(path, None, f"cannot be read ({exc.__class__.__name__})") from None
    loader = _Loader(text)
    loader.name = str(path)
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise RuleFileError(path, line, f"is not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise RuleFileError(path, None, f"is not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    if not isinstance(document, LineDict):
        raise RuleFileError(path, 1, "must be a mapping of keys to values")
    return document


class Reader:
    """Typed access to a ``LineDict`` that raises ``RuleFileError`` at the offending line."""

    def __init__(self, path: Path, data: LineDict, where: str = "") -> None:
        self.path = path
        self.data = data
        self.where = where

    def fail(self, key: str | None, message: str) -> RuleFileError:
        line = self.data.line_of(key) if key is not None else self.data.line
        prefix = f"{self.where}: " if self.where else ""
        return RuleFileError(self.path, line, prefix + message)

    def only(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in self.data:
            if key not in allowed:
                raise self.fail(key, f"unknown key {key!r} (expected one of {sorted(allowed)})")

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str) -> Any:
        if key not in self.data:
            raise self.fail(None, f"{key!r} is missing")
        return self.data[key]

    def text(
        self, key: str, *, pattern: re.Pattern[str] | None = None, default: str | None = None
    ) -> str:
        if key not in self.data and default is not None:
            return default
        value = self.raw(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"{key!r} must be non-empty text")
        if pattern is not None and not pattern.match(value):
            raise self.fail(key, f"{key!r} has the wrong form: {value!r}")
        return value

    def code(self, key: str) -> str:
        return self.text(key, pattern=CODE)

    def integer(self, key: str, *, minimum: int = 0, default: int | None = None) -> int:
        if key not in self.data and default is not None:
            return default
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(key, f"{key!r} must be a whole number of at least {minimum}")
        return value

    def choice(self, key: str, choices: Iterable[str], *, default: str | None = None) -> str:
        choices = list(choices)
        if key not in self.data and default is not None:
            return default
        value = self.raw(key)
        if value not in choices:
            raise self.fail(key, f"{key!r} must be one of {choices}, not {value!r}")
        return str(value)

    def mapping(self, key: str, *, where: str = "") -> Reader:
        value = self.raw(key)
        if not isinstance(value, LineDict):
            raise self.fail(key, f"{key!r} must be a mapping")
        return Reader(self.path, value, where or self._sub(key))

    def sequence(self, key: str, *, allow_empty: bool = False) -> LineList:
        value = self.raw(key)
        if not isinstance(value, LineList) or (not value and not allow_empty):
            raise self.fail(key, f"{key!r} must be a {'' if allow_empty else 'non-empty '}list")
        return value

    def items(self, key: str, *, allow_empty: bool = False) -> list[Reader]:
        """The mappings of the list ``key``, each as a ``Reader``."""
        sequence = self.sequence(key, allow_empty=allow_empty)
        readers = []
        for index, item in enumerate(sequence):
            if not isinstance(item, LineDict):
                raise RuleFileError(
                    self.path,
                    sequence.line_of(index),
                    f"{self._sub(key)}[{index + 1}] must be a mapping",
                )
            readers.append(Reader(self.path, item, f"{self._sub(key)}[{index + 1}]"))
        return readers

    def codes(
        self, key: str, choices: Iterable[str] | None = None, *, allow_empty: bool = False
    ) -> tuple[str, ...]:
        sequence = self.sequence(key, allow_empty=allow_empty)
        allowed = set(choices) if choices is not None else None
        seen: list[str] = []
        for index, value in enumerate(sequence):
            bad = not isinstance(value, str) or not CODE.match(value)
            if bad or (allowed is not None and value not in allowed) or value in seen:
                expected = f" (expected one of {sorted(allowed)})" if allowed is not None else ""
                raise RuleFileError(
                    self.path,
                    sequence.line_of(index),
                    f"{self._sub(key)}: {value!r} is not a valid or new code{expected}",
                )
            seen.append(value)
        return tuple(seen)

    def translated(self, key: str, languages: tuple[str, ...]) -> dict[str, str]:
        """A text in every one of ``languages`` (exactly those keys, none empty)."""
        value = self.mapping(key)
        value.only(languages)
        return {language: value.text(language) for language in languages}

    def translated_lists(self, key: str, languages: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        value = self.mapping(key)
        value.only(languages)
        result: dict[str, tuple[str, ...]] = {}
        lengths = set()
        for language in languages:
            items = value.sequence(language)
            for index, item in enumerate(items):
                if not isinstance(item, str) or not item.strip():
                    raise RuleFileError(
                        self.path,
                        items.line_of(index),
                        f"{self._sub(key)}.{language}: items must be text",
                    )
            result[language] = tuple(items)
            lengths.add(len(items))
        if len(lengths) > 1:
            raise self.fail(key, f"{key!r} must have as many items in every language")
        return result

    def citation(self, key: str, *, allow_default: bool = True) -> str:
        value = self.raw(key)
        if allow_default and value == DEFAULT_SOURCE:
            return DEFAULT_SOURCE
        if not isinstance(value, str) or not CITATION.match(value):
            raise self.fail(
                key,
                f'{key!r} must cite a source line like "004:L175" or "004:L191-L195"'
                + (' (or say "default")' if allow_default else ""),
            )
        match = CITATION.match(value)
        end = match.group("end") if match is not None else None
        if match is not None and end is not None and int(end) < int(match.group("start")):
            raise self.fail(key, f"{key!r}: the range {value!r} ends before it starts")
        return value

    def _sub(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key


T = TypeVar("T")


class LoadOnce(Generic[T]):
    """The valid content of some rule files, loaded on first use and kept for the process.

    ``load`` returns the content and the list of mistakes; files with a mistake are left out (the
    system checks and the server start-up have already refused them). ``reset`` forgets the
    content, for tests that point the rules directory elsewhere.
    """

    def __init__(self, load: Callable[[], tuple[T, list[RuleFileError]]]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._value: T | None = None

    def get(self) -> T:
        with self._lock:
            if self._value is None:
                self._value, _errors = self._load()
            return self._value

    def reset(self) -> None:
        with self._lock:
            self._value = None
