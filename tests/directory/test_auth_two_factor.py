"""Two-factor authentication: enforcement per role, set-up, verification, recovery codes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.core.models import AuditAction, AuditEvent
from opennrm.directory import twofactor
from opennrm.directory.roles import ROLES_REQUIRING_2FA, Role
from tests import factories
from tests.conftest import verified_client
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SETUP = "/account/two-factor/setup/"
VERIFY = "/account/two-factor/verify/"
RECOVERY = "/account/two-factor/recovery-codes/"


def sign_in(user: Any, **extra: str) -> Client:
    client = Client()
    response = client.post(
        "/account/login/", {"username": user.username, "password": PASSWORD, **extra}
    )
    assert response.status_code == 302
    return client


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def codes_on(response: Any) -> list[str]:
    block = response.content.decode().split('id="recovery-codes"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<li>([a-z2-7]+)</li>", block)


def confirmed_device(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# --- enforcement ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_two_factor_is_enforced_for_every_role_that_sees_personal_data(
    shelter_a: Any, role: str
) -> None:
    user = factories.user(f"user-{role}", shelter_a, role)
    client = sign_in(user)
    response = client.get("/")
    if role in ROLES_REQUIRING_2FA:
        assert response.status_code == 302
        assert response["Location"] == reverse("two_factor_setup")
    else:
        assert role == Role.ANALYST
        assert response.status_code == 200


def test_every_role_but_the_analyst_requires_two_factor() -> None:
    assert set(Role.values) - ROLES_REQUIRING_2FA == {Role.ANALYST}


def test_login_sends_a_user_without_device_to_setup_keeping_next(alice: Any) -> None:
    response = Client().post(
        "/account/login/", {"username": "alice", "password": PASSWORD, "next": "/directory/"}
    )
    assert response["Location"] == f"{SETUP}?next=%2Fdirectory%2F"


def test_login_sends_a_user_with_device_to_verify(alice: Any) -> None:
    confirmed_device(alice)
    client = Client()
    response = client.post("/account/login/", {"username": "alice", "password": PASSWORD})
    assert response["Location"] == VERIFY
    assert client.get("/")["Location"] == reverse("two_factor_verify")


def test_unverified_user_sees_no_navigation(alice: Any) -> None:
    client = sign_in(alice)
    html = client.get(SETUP).content.decode()
    assert 'id="navigation"' not in html


def test_two_factor_pages_need_a_signed_in_user() -> None:
    for url in (SETUP, VERIFY, RECOVERY):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- set-up -----------------------------------------------------------------------------------


def test_setup_page_shows_an_inline_qr_code_and_the_key(alice: Any) -> None:
    client = sign_in(alice)
    response = client.get(SETUP)
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "<svg" in html
    assert "<script>" not in html.split("<main", 1)[1]
    assert " style=" not in html
    assert "<details" in html
    from base64 import b32encode

    assert b32encode(device.bin_key).decode() in html
    assert 'autocomplete="one-time-code"' in html
    # Showing the page again replaces the pending device with one holding a fresh key.
    client.get(SETUP)
    [again] = TOTPDevice.objects.filter(user=alice)
    assert again.pk != device.pk
    assert again.bin_key != device.bin_key
    assert not again.confirmed


def test_full_setup_flow(alice: Any) -> None:
    client = sign_in(alice)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    before = client.session.session_key
    response = client.post(SETUP, {"code": code_for(device)})
    assert response.status_code == 200
    codes = codes_on(response)
    assert len(codes) == twofactor.RECOVERY_CODES
    assert twofactor.remaining_recovery_codes(alice) == twofactor.RECOVERY_CODES
    device.refresh_from_db()
    assert device.confirmed
    assert client.session.session_key != before
    assert f'href="{reverse("home")}"' in response.content.decode()
    assert "onrm_totp_setup" not in client.session
    assert client.get("/").status_code == 200
    [event] = events(AuditAction.OTP_SETUP)
    assert event.actor_id == alice.pk
    stored = str([e.detail for e in AuditEvent.objects.all()])
    assert not any(code in stored for code in codes)


def secret_on(response: Any) -> str:
    html = response.content.decode()
    match = re.search(r'id="totp-secret">([A-Z2-7]+)<', html)
    assert match is not None
    return match.group(1)


def code_for_secret(secret: str) -> str:
    from base64 import b32decode

    return f"{totp(b32decode(secret), step=30, t0=0, digits=6):06d}"


def test_each_session_gets_its_own_setup_key(alice: Any) -> None:
    first, second = sign_in(alice), sign_in(alice)
    secret_a = secret_on(first.get(SETUP))
    secret_b = secret_on(second.get(SETUP))
    assert secret_a != secret_b
    # Only the newest set-up is pending.
    [device] = TOTPDevice.objects.filter(user=alice)
    assert not device.confirmed
    assert code_for(device) == code_for_secret(secret_b)


def test_a_key_seen_before_another_setup_started_no_longer_confirms(alice: Any) -> None:
    # An attacker who knows only the password opens set-up and copies the key ...
    attacker = sign_in(alice)
    stolen = secret_on(attacker.get(SETUP))
    # ... then the real user opens set-up in their own session.
    user = sign_in(alice)
    shown = secret_on(user.get(SETUP))
    assert shown != stolen

    response = attacker.post(SETUP, {"code": code_for_secret(stolen)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The set-up was restarted; scan the new code" in html
    assert 'href="#id_code"' in html
    assert stolen not in html
    assert not TOTPDevice.objects.filter(user=alice, confirmed=True).exists()
    assert twofactor.remaining_recovery_codes(alice) == 0
    assert not events(AuditAction.OTP_SETUP)
    assert not events(AuditAction.OTP_FAILED)
    assert attacker.get("/")["Location"] == reverse("two_factor_setup")

    # The real user's set-up was restarted too, so they scan the new code, and the key the
    # attacker copied earlier is not the one that gets confirmed.
    refused = user.post(SETUP, {"code": code_for_secret(shown)})
    assert "The set-up was restarted; scan the new code" in refused.content.decode()
    fresh = secret_on(refused)
    assert fresh not in (stolen, shown)
    response = user.post(SETUP, {"code": code_for_secret(fresh)})
    assert len(codes_on(response)) == twofactor.RECOVERY_CODES
    [device] = TOTPDevice.objects.filter(user=alice)
    assert device.confirmed
    assert code_for(device) == code_for_secret(fresh)
    assert user.get("/").status_code == 200
    assert "onrm_totp_setup" not in user.session


def test_setup_post_without_a_setup_in_the_session_confirms_nothing(alice: Any) -> None:
    TOTPDevice.objects.create(user=alice, name="authenticator", confirmed=False)
    [old] = TOTPDevice.objects.filter(user=alice)
    client = sign_in(alice)
    response = client.post(SETUP, {"code": code_for(old)})
    assert "The set-up was restarted; scan the new code" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=alice, confirmed=True).exists()
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    # The page now shows a fresh key, which does confirm.
    secret = secret_on(response)
    assert client.post(SETUP, {"code": code_for_secret(secret)}).status_code == 200
    assert TOTPDevice.objects.filter(user=alice, confirmed=True).count() == 1


def test_setup_continue_link_goes_to_a_safe_next(alice: Any) -> None:
    client = sign_in(alice)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    response = client.post(SETUP, {"code": code_for(device), "next": "/directory/"})
    assert 'href="/directory/"' in response.content.decode()


def test_wrong_setup_code_changes_nothing(alice: Any) -> None:
    client = sign_in(alice)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The code is not correct" in html
    assert 'href="#id_code"' in html
    device.refresh_from_db()
    assert not device.confirmed
    assert twofactor.remaining_recovery_codes(alice) == 0
    assert client.get("/")["Location"] == reverse("two_factor_setup")
    [event] = events(AuditAction.OTP_FAILED)
    assert event.actor_id == alice.pk
    assert wrong not in str(event.detail)


def test_setup_code_must_be_six_digits(alice: Any) -> None:
    client = sign_in(alice)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "12ab"})
    html = response.content.decode()
    assert "Enter the code as 6 digits" in html
    assert "The set-up was restarted" not in html
    assert not events(AuditAction.OTP_FAILED)


def test_user_with_a_device_cannot_add_another_without_verifying(alice: Any) -> None:
    confirmed_device(alice)
    client = sign_in(alice)
    response = client.get(SETUP)
    assert response["Location"] == VERIFY
    response = client.post(SETUP, {"code": "123456"})
    assert response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_verified_user_visiting_setup_is_sent_to_recovery_codes(alice: Any) -> None:
    client = verified_client(alice)
    response = client.get(SETUP)
    assert response["Location"] == RECOVERY
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_analyst_may_enrol_voluntarily_and_then_needs_the_code(dave: Any) -> None:
    client = sign_in(dave)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=dave, confirmed=False)
    assert client.post(SETUP, {"code": code_for(device)}).status_code == 200
    again = sign_in(dave)
    assert again.get("/")["Location"] == reverse("two_factor_verify")


# --- verification -----------------------------------------------------------------------------


def test_verify_with_the_authenticator_code(alice: Any) -> None:
    device = confirmed_device(alice)
    client = sign_in(alice, next="/directory/")
    before = client.session.session_key
    response = client.post(VERIFY, {"code": code_for(device), "next": "/directory/"})
    assert response.status_code == 302
    assert response["Location"] == "/directory/"
    assert client.session.session_key != before
    assert client.get("/").status_code == 200


def test_verify_ignores_an_unsafe_next(alice: Any) -> None:
    device = confirmed_device(alice)
    client = sign_in(alice)
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_a_totp_code_cannot_be_replayed(alice: Any) -> None:
    device = confirmed_device(alice)
    with time_machine.travel(timezone.now(), tick=False):
        code = code_for(device)
        assert sign_in(alice).post(VERIFY, {"code": code}).status_code == 302
        replay = sign_in(alice).post(VERIFY, {"code": code})
    assert replay.status_code == 200
    assert "The code is not correct" in replay.content.decode()


def test_wrong_code_is_refused_audited_and_then_throttled(alice: Any) -> None:
    device = confirmed_device(alice)
    client = sign_in(alice)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
        first = client.post(VERIFY, {"code": wrong})
        assert "The code is not correct" in first.content.decode()
        # django-otp now wants a pause: even the right code is refused, with a clear message.
        throttled = client.post(VERIFY, {"code": code_for(device)})
        assert "too many incorrect codes" in throttled.content.decode()
        assert client.get("/").status_code == 302
        traveller.shift(timedelta(seconds=2))
        assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
    failures = events(AuditAction.OTP_FAILED)
    assert [e.detail["throttled"] for e in failures] == [False, True]
    assert all(e.actor_id == alice.pk for e in failures)


def test_a_recovery_code_works_once_and_not_twice(alice: Any) -> None:
    confirmed_device(alice)
    codes = twofactor.issue_recovery_codes(alice)
    first = sign_in(alice)
    response = first.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert twofactor.remaining_recovery_codes(alice) == len(codes) - 1
    [used] = events(AuditAction.RECOVERY_CODE_USED)
    assert used.actor_id == alice.pk
    assert used.detail == {"remaining": len(codes) - 1}
    assert codes[0] not in str(used.detail)

    second = sign_in(alice)
    refused = second.post(VERIFY, {"code": codes[0]})
    assert refused.status_code == 200
    assert "The code is not correct" in refused.content.decode()
    assert second.get("/")["Location"] == reverse("two_factor_verify")
    assert len(events(AuditAction.RECOVERY_CODE_USED)) == 1


def test_recovery_code_does_not_throttle_the_authenticator(alice: Any) -> None:
    device = confirmed_device(alice)
    codes = twofactor.issue_recovery_codes(alice)
    with time_machine.travel(timezone.now(), tick=False):
        assert sign_in(alice).post(VERIFY, {"code": codes[1]}).status_code == 302
        assert sign_in(alice).post(VERIFY, {"code": code_for(device)}).status_code == 302


def test_verified_user_visiting_verify_goes_on(alice: Any) -> None:
    response = verified_client(alice).get(VERIFY)
    assert response["Location"] == reverse("home")


def test_user_without_device_visiting_verify_goes_to_setup(alice: Any) -> None:
    response = sign_in(alice).get(VERIFY)
    assert response["Location"] == SETUP


# --- recovery codes page ----------------------------------------------------------------------


def test_recovery_page_counts_and_regenerates_codes(alice: Any) -> None:
    client = verified_client(alice)
    old = twofactor.issue_recovery_codes(alice)
    StaticToken.objects.filter(token=old[0]).delete()
    page = client.get(RECOVERY)
    assert page.status_code == 200
    assert "You have 9 unused recovery codes." in page.content.decode()
    assert not any(code in page.content.decode() for code in old)

    response = client.post(RECOVERY)
    new = codes_on(response)
    assert len(new) == twofactor.RECOVERY_CODES
    assert set(new).isdisjoint(old)
    assert twofactor.remaining_recovery_codes(alice) == twofactor.RECOVERY_CODES
    [event] = events(AuditAction.UPDATE)
    assert event.object_type == "otp_static.staticdevice"
    assert not any(code in str(event.detail) for code in new)
    # The new codes are not shown again.
    assert not any(code in client.get(RECOVERY).content.decode() for code in new)


def test_recovery_page_needs_verification(alice: Any) -> None:
    confirmed_device(alice)
    client = sign_in(alice)
    codes = twofactor.issue_recovery_codes(alice)
    response = client.post(RECOVERY)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert StaticToken.objects.filter(token__in=codes).count() == len(codes)


def test_recovery_page_without_device_goes_to_setup(dave: Any) -> None:
    response = sign_in(dave).get(RECOVERY)
    assert response["Location"] == SETUP


def test_after_verification_the_user_returns_to_the_page_asked_for(alice: Any) -> None:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=alice, name="authenticator", confirmed=True)
    client = Client()
    client.force_login(alice)
    response = client.get("/persons/")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/verify/?next=%2Fpersons%2F"
    code = f"{totp(device.bin_key, step=30, t0=0, digits=6, drift=0):06d}"
    response = client.post(response["Location"], {"code": code, "next": "/persons/"})
    assert response.status_code == 302
    assert response["Location"] == "/persons/"
