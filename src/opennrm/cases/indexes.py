"""Keyed blind indexes of a person's name words and date of birth (docs/decisions/0002)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from opennrm.core import crypto

NAME_PURPOSE = "person.name"
DOB_PURPOSE = "person.dob"


def name_token_hashes(names: Iterable[str]) -> set[str]:
    """The blind-index tokens of every word of the given names (normalised, deduplicated)."""
    words: set[str] = set()
    for name in names:
        words |= crypto.name_tokens(name)
    return {crypto.blind_index(NAME_PURPOSE, word) for word in words}


def person_name_hashes(given_names: str, family_name: str, aliases: Iterable[str]) -> set[str]:
    return name_token_hashes([given_names or "", family_name or "", *(aliases or [])])


def dob_index(date_of_birth: datetime.date | None) -> str:
    if date_of_birth is None:
        return ""
    return crypto.blind_index(DOB_PURPOSE, date_of_birth.isoformat())
