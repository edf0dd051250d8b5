"""A small Dutch world for the referral tests, on top of the personas in ``tests/conftest.py``.

- ``school`` (education, NL-UT): ``teacher`` (front-line, records the signals and refers them)
  and her colleague ``theo`` (front-line, same organisation: the sender's side)
- ``veilig_thuis`` (child protection, function ``veilig-thuis``, the whole country):
  ``vera`` (case worker, the recipient) and her colleague ``vince``
- ``municipality`` (Utrecht, NL-UT, function ``care-coordinator``): ``mira`` (care coordinator)
- ``centre`` (NL coordination centre, ``tests/conftest.py``): coordinators ``cora``, ``colin``
- ``otto``: case worker at another Dutch organisation (``other_org``); ``dave``: analyst;
  ``bram``: coordinator at the Belgian coordination centre (another country)

For a minor in Utrecht reported by the school, the shipped NL routing proposes the care
coordinator (``social-domain-care-coordinator``: the municipality) and Veilig Thuis
(``social-domain-minor-veilig-thuis``), in that order.
"""

from __future__ import annotations

from typing import Any

import pytest

from opennrm.directory.models import Organisation, User
from tests import factories


@pytest.fixture
def school(db: Any) -> Organisation:
    return factories.organisation("school-ut", kind="education", country="NL", region="NL-UT")


@pytest.fixture
def veilig_thuis(db: Any) -> Organisation:
    return factories.organisation(
        "veilig-thuis", kind="child_protection", country="NL", functions=["veilig-thuis"]
    )


@pytest.fixture
def municipality(db: Any) -> Organisation:
    return factories.organisation(
        "utrecht", kind="municipality", country="NL", region="NL-UT", functions=["care-coordinator"]
    )


@pytest.fixture
def other_org(db: Any) -> Organisation:
    return factories.organisation("other-shelter", kind="shelter_ngo", country="NL")


@pytest.fixture
def teacher(school: Organisation) -> User:
    return factories.user("tess", school, "frontline", first_name="Tess")


@pytest.fixture
def theo(school: Organisation) -> User:
    return factories.user("theo", school, "frontline")


@pytest.fixture
def vera(veilig_thuis: Organisation) -> User:
    return factories.user("vera", veilig_thuis, "case_worker")


@pytest.fixture
def vince(veilig_thuis: Organisation) -> User:
    return factories.user("vince", veilig_thuis, "case_worker")


@pytest.fixture
def mira(municipality: Organisation) -> User:
    return factories.user("mira", municipality, "care_coordinator")


@pytest.fixture
def cora(centre: Organisation) -> User:
    return factories.user("cora", centre, "coordinator")


@pytest.fixture
def colin(centre: Organisation, cora: User) -> User:
    """A second coordinator (created after ``cora``, so ``cora`` is the duty coordinator)."""
    return factories.user("colin", centre, "coordinator")


@pytest.fixture
def otto(other_org: Organisation) -> User:
    return factories.user("otto", other_org, "case_worker")


@pytest.fixture
def bram(db: Any) -> User:
    centre_be = factories.organisation("centre-be", kind="coordination_centre", country="BE")
    return factories.user("bram", centre_be, "coordinator")


@pytest.fixture
def world(
    school: Organisation,
    veilig_thuis: Organisation,
    municipality: Organisation,
    centre: Organisation,
    teacher: User,
    vera: User,
    mira: User,
    cora: User,
) -> None:
    """The organisations and the main personas exist (the routing proposes real recipients)."""
