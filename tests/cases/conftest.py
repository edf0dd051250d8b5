"""Persons for the permission matrix: owned by Shelter A (alice, bob); carol is at Shelter B."""

from __future__ import annotations

from typing import Any

import pytest

from opennrm.cases.models import Person
from tests import factories
from tests.cases.helpers import make_person


@pytest.fixture
def cora(shelter_a: Any) -> Any:
    """Coordinator at Shelter A: the only persona who may delete persons there."""
    return factories.user("cora", shelter_a, "coordinator")


@pytest.fixture
def person(alice: Any, shelter_a: Any) -> Person:
    return make_person(alice, shelter_a)


@pytest.fixture
def other_person(carol: Any, shelter_b: Any) -> Person:
    return make_person(carol, shelter_b, given_names="Ana", family_name="Georgieva")
