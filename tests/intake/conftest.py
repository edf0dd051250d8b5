"""Personas of the intake tests, on top of those in ``tests/conftest.py``.

- ``fiona`` (front-line at ``police_nl``, in ``tests/conftest.py``)
- ``gert``: front-line professional at Police NL too (same organisation)
- ``cora``: coordinator at the NL coordination centre (``centre``): triages every NL signal
- ``bram``: coordinator at the BE coordination centre: triages BE signals only
- ``carol`` (other organisation, BE), ``dave`` (analyst), ``alice`` (shelter NL, other org)
"""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories


@pytest.fixture
def centre_be(db: Any) -> Any:
    return factories.organisation("centre-be", kind="coordination_centre", country="BE")


@pytest.fixture
def gert(police_nl: Any) -> Any:
    return factories.user("gert", police_nl, "frontline")


@pytest.fixture
def cora(centre: Any) -> Any:
    return factories.user("cora", centre, "coordinator")


@pytest.fixture
def bram(centre_be: Any) -> Any:
    return factories.user("bram", centre_be, "coordinator")
