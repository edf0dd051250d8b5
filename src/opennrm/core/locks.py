"""Taking a row for an update (DESIGN rule 7: concurrent edits are detected, never lost)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from opennrm.core.errors import ConcurrentEditError, NotFoundOrForbidden

M = TypeVar("M", bound=models.Model)


def lock_for_update(model: type[M], pk: Any, expected_version: int | None = None) -> M:
    """Row ``pk`` of ``model`` locked until the transaction ends; ``NotFoundOrForbidden`` if it
    is gone (deleted since the access check), ``ConcurrentEditError`` if its ``version`` is no
    longer the one the actor saw. Call inside ``transaction.atomic()``."""
    row = model._default_manager.select_for_update().filter(pk=pk).first()
    if row is None:
        raise NotFoundOrForbidden
    if expected_version is not None and getattr(row, "version") != expected_version:  # noqa: B009
        raise ConcurrentEditError
    return row
