"""Human-readable references (``S-7KQ2M4XD`` for a signal, ``R-…`` for a referral).

Random, so that a reference says nothing about when or by whom a record was made, and drawn from
an alphabet without look-alikes (no 0/O, 1/I/L, U), because references are read out on the phone.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def random_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_reference(prefix: str, taken: Callable[[str], bool], length: int = 8) -> str:
    """A free reference ``<prefix>-<code>``; ``taken`` says whether one is already used."""
    for _attempt in range(20):
        reference = f"{prefix}-{random_code(length)}"
        if not taken(reference):
            return reference
    raise RuntimeError(f"could not draw a free {prefix} reference")
