"""The intake's view of persons, provided by the cases app (dependency inversion).

Persons live in ``cases``, which sits above ``intake`` in the layers (``cases`` opens files from
signals). A signal may still name its person: ``cases`` registers a ``PersonPort`` when Django
starts, and intake calls it without importing ``cases`` (docs/decisions/0003).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class PersonPort(Protocol):
    def create(self, *, actor: Any, organisation_id: int, data: Mapping[str, Any]) -> int:
        """Register a person (the actor needs the right to) and return its id."""

    def check(self, *, actor: Any, person_id: object, action: str) -> int:
        """The person's id if ``actor`` may ``action`` ("view") it, else ``NotFoundOrForbidden``."""

    def search(self, *, actor: Any, name: str, date_of_birth: str) -> list[tuple[int, str]]:
        """(id, display name) of the persons the actor may see that match."""


_port: PersonPort | None = None


def register_persons(port: PersonPort) -> None:
    global _port
    _port = port


def persons() -> PersonPort:
    if _port is None:
        raise RuntimeError("no PersonPort is registered: is opennrm.cases installed?")
    return _port


class ReferralPort(Protocol):
    """What the signal's page shows of its referrals; provided by the referrals app, which sits
    above intake (docs/decisions/0005)."""

    def may_refer(self, *, actor: Any, signal: Any) -> bool:
        """Whether the actor may refer this (already opened) signal."""

    def of_signal(self, *, actor: Any, signal: Any) -> list[Any]:
        """The referrals of the signal the actor may see (with reference, state, recipient)."""


_referrals: ReferralPort | None = None


def register_referrals(port: ReferralPort) -> None:
    global _referrals
    _referrals = port


def referrals() -> ReferralPort | None:
    """The registered port, or None where the referrals app is not installed."""
    return _referrals
