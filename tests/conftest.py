"""Shared fixtures: named personas for the permission matrix (DESIGN rule 8).

- ``alice``: case worker at Shelter A (owner of the test persons)
- ``bob``: case worker at Shelter A too (team member, same organisation)
- ``carol``: case worker at Shelter B (other organisation)
- ``dave``: analyst at the Rapporteur (no personal data)
- ``erin``: administrator at Shelter A; ``frank``: administrator at Shelter B
- ``auditor``: auditor at the coordination centre
- anonymous: Django's test client without a login
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories

PASSWORD = factories.PASSWORD


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Still Argon2, with test-sized costs so the suite stays quick."""

    algorithm = "argon2"
    time_cost = 1
    memory_cost = 64
    parallelism = 1


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["tests.conftest.FastArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Rate-limit counters live in the cache: each test starts without any."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def shelter_a(db: Any) -> Any:
    return factories.organisation("shelter-a", kind="shelter_ngo", country="NL")


@pytest.fixture
def shelter_b(db: Any) -> Any:
    return factories.organisation("shelter-b", kind="shelter_ngo", country="BE")


@pytest.fixture
def rapporteur(db: Any) -> Any:
    return factories.organisation("rapporteur", kind="national_rapporteur", country="NL")


@pytest.fixture
def centre(db: Any) -> Any:
    return factories.organisation("centre", kind="coordination_centre", country="NL")


@pytest.fixture
def alice(shelter_a: Any) -> Any:
    return factories.user("alice", shelter_a, "case_worker")


@pytest.fixture
def bob(shelter_a: Any) -> Any:
    return factories.user("bob", shelter_a, "case_worker")


@pytest.fixture
def carol(shelter_b: Any) -> Any:
    return factories.user("carol", shelter_b, "case_worker")


@pytest.fixture
def dave(rapporteur: Any) -> Any:
    return factories.user("dave", rapporteur, "analyst")


@pytest.fixture
def police_nl(db: Any) -> Any:
    return factories.organisation("police-nl", kind="police", country="NL")


@pytest.fixture
def fiona(police_nl: Any) -> Any:
    """Front-line professional at the Dutch police: records signals."""
    return factories.user("fiona", police_nl, "frontline")


@pytest.fixture
def erin(shelter_a: Any) -> Any:
    return factories.user("erin", shelter_a, "administrator")


@pytest.fixture
def frank(shelter_b: Any) -> Any:
    return factories.user("frank", shelter_b, "administrator")


@pytest.fixture
def auditor(centre: Any) -> Any:
    return factories.user("auditor", centre, "auditor")


def verified_client(user: Any) -> Client:
    """A test client signed in as ``user`` with a confirmed, verified TOTP device."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def as_user() -> Any:
    return verified_client
