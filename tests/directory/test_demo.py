"""Demo data: idempotent, sourced organisations, one demo user per role, stable TOTP secrets."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate, password_validation
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.directory import demo
from opennrm.directory.models import Membership, Organisation, User
from opennrm.directory.roles import Role


def load() -> str:
    out = StringIO()
    call_command("demo_load", stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int, int, int]:
    return (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        TOTPDevice.objects.count(),
    )


def keys() -> dict[str, str]:
    return dict(TOTPDevice.objects.values_list("user__username", "key"))


def test_demo_load_twice_gives_the_same_data_and_secrets(db: Any) -> None:
    first_output = load()
    first, first_keys = counts(), keys()
    second_output = load()
    assert counts() == first
    assert keys() == first_keys
    assert first == (len(demo.ORGANISATIONS), len(demo.USERS), len(demo.USERS), len(demo.USERS) - 1)
    secret = demo.base32_secret(first_keys["demo-admin"])
    assert secret in first_output and secret in second_output
    assert "otpauth://totp/" in first_output
    assert demo.DEMO_PASSWORD in first_output
    assert "OPENNRM_DEMO=1" in first_output
    assert "opennrm demo totp USERNAME" in first_output


def test_every_role_has_a_demo_user_and_sources_are_cited(db: Any) -> None:
    load()
    held = set(Membership.objects.filter(user__is_demo=True).values_list("role", flat=True))
    assert held == set(Role.values)
    # The referral walk-through (issue #4): a teacher refers to Veilig Thuis, which accepts.
    teacher = Membership.objects.get(user__username="demo-teacher")
    assert (teacher.organisation.kind, teacher.organisation.region) == ("education", "NL-UT")
    assert Membership.objects.get(user__username="demo-veiligthuis").organisation.functions == [
        "veilig-thuis"
    ]
    assert all(entry.source for entry in demo.ORGANISATIONS)
    payoke = Organisation.objects.get(slug="be-payoke")
    assert (payoke.region, payoke.functions) == ("BE-VLG", ["specialised-centre"])
    assert Organisation.objects.get(slug="nl-comensha").kind == "coordination_centre"
    admin = User.objects.get(username="demo-admin")
    assert admin.has_perm(
        "directory.manage_own_org_user", Organisation.objects.get(slug="nl-comensha")
    )
    assert not TOTPDevice.objects.filter(user__username="demo-analyst").exists()


def test_demo_password_passes_the_validators(db: Any) -> None:
    load()
    for user in User.objects.filter(is_demo=True):
        password_validation.validate_password(demo.DEMO_PASSWORD, user)  # raises if not


def test_demo_logins_work_only_with_opennrm_demo(db: Any, settings: Any) -> None:
    load()
    request = RequestFactory().post("/account/login/")
    settings.OPENNRM_DEMO = False
    assert authenticate(request, username="demo-admin", password=demo.DEMO_PASSWORD) is None
    settings.OPENNRM_DEMO = True
    user = authenticate(request, username="demo-admin", password=demo.DEMO_PASSWORD)
    assert user is not None and user.get_username() == "demo-admin"


def test_demo_totp_prints_a_valid_code_only_in_demo_mode(db: Any, settings: Any) -> None:
    load()
    settings.OPENNRM_DEMO = False
    with pytest.raises(CommandError, match="OPENNRM_DEMO"):
        call_command("demo_totp", "demo-admin", stdout=StringIO())

    settings.OPENNRM_DEMO = True
    out = StringIO()
    call_command("demo_totp", "demo-admin", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    device = TOTPDevice.objects.get(user__username="demo-admin")
    assert device.verify_token(code)


def test_demo_totp_refuses_real_users(db: Any, settings: Any, alice: Any) -> None:
    TOTPDevice.objects.create(user=alice, name="authenticator", confirmed=True)
    settings.OPENNRM_DEMO = True
    with pytest.raises(CommandError, match="not a demo user"):
        call_command("demo_totp", "alice", stdout=StringIO())


def test_demo_load_refuses_production(db: Any, settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo_load", stdout=StringIO())
    with pytest.raises(demo.DemoRefused):
        demo.load()
    assert not Organisation.objects.exists()
