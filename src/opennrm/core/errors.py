"""Errors shared by every app; views and the API map them to one response each."""

from __future__ import annotations


class NotFoundOrForbidden(Exception):
    """The object does not exist or the actor may not see it: deliberately indistinguishable."""


class PermissionDeniedError(Exception):
    """The actor may not perform this action (the object's existence is already known)."""


class ConcurrentEditError(Exception):
    """Someone else changed the object since it was read; the edit was not applied."""


class InvalidInput(Exception):
    """Input failed validation; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid input")
        self.errors = errors
