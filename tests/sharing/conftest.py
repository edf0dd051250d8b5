"""Fixtures of the sharing tests: a controlled clock and the scene of ``helpers.py``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sharing import helpers as h


@pytest.fixture
def clock(time_machine: Any) -> h.Clock:
    return h.Clock(time_machine)


@pytest.fixture
def s(db: Any, clock: h.Clock) -> h.Scene:
    return h.build()
