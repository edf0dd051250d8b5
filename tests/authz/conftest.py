"""The matrix world is built once per module, inside a transaction rolled back at its end; each
test runs in a savepoint of it (pytest-django's ``db``), so what a request changes is undone
before the next one and the world is never rebuilt."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from tests.authz import actors
from tests.authz.routes import Site, discover

FAST_HASHERS = ["tests.conftest.FastArgon2PasswordHasher"]


@pytest.fixture(scope="module")
def _module_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[actors.AuthzWorld]:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                world = actors.build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield world
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module", autouse=True)
def _quiet_request_log() -> Iterator[None]:
    """Refusals are the point here: ``django.request`` would log each (with a traceback)."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def world(_module_world: actors.AuthzWorld, db: Any) -> actors.AuthzWorld:
    return _module_world


@pytest.fixture(scope="module")
def site() -> Site:
    return discover()
