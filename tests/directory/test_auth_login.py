"""Password sign-in, lock-out, demo accounts, CSRF and sign-out (HTTP, through the views)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from opennrm.core.models import AuditAction, AuditEvent
from tests import factories
from tests.factories import PASSWORD

LOGIN = "/account/login/"
GENERIC_ERROR = "Enter a correct username and password"

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_login_page_is_an_accessible_form() -> None:
    response = Client().get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert '<label class="govuk-label" for="id_username">' in html
    assert '<label class="govuk-label" for="id_password">' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_analyst_signs_in_and_lands_on_home(dave: Any) -> None:
    client = Client()
    response = sign_in(client, "dave")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get("/").status_code == 200
    [event] = events(AuditAction.LOGIN)
    assert event.actor_id == dave.pk


def test_login_rotates_the_session_key(dave: Any) -> None:
    client = Client()
    client.get(LOGIN)
    session = client.session
    session["marker"] = "x"
    session.save()
    before = session.session_key
    sign_in(client, "dave")
    assert client.session.session_key != before


def test_wrong_password_gets_the_generic_error_and_is_audited(alice: Any) -> None:
    response = sign_in(Client(), "alice", "not-the-password")
    html = response.content.decode()
    assert response.status_code == 200
    assert GENERIC_ERROR in html
    assert 'href="#id_username"' in html  # the error summary links to the field
    assert "not-the-password" not in html
    [event] = events(AuditAction.LOGIN_FAILED)
    assert event.actor_id == alice.pk
    assert "not-the-password" not in str(event.detail)
    assert not events(AuditAction.LOGIN)


def test_unknown_user_gets_the_same_error_and_the_typed_name_is_not_stored() -> None:
    response = sign_in(Client(), "mallory-typed-this", "whatever-password")
    assert response.status_code == 200
    assert GENERIC_ERROR in response.content.decode()
    [event] = events(AuditAction.LOGIN_FAILED)
    assert event.actor_id is None
    assert event.actor_label == "unknown user"
    stored = f"{event.actor_label} {event.object_id} {event.detail}"
    assert "mallory" not in stored
    assert "whatever-password" not in stored


def test_inactive_user_gets_the_generic_error(alice: Any) -> None:
    alice.is_active = False
    alice.save()
    response = sign_in(Client(), "alice")
    assert GENERIC_ERROR in response.content.decode()
    assert not events(AuditAction.LOGIN)


def test_empty_fields_get_field_errors_and_are_not_an_attempt() -> None:
    response = Client().post(LOGIN, {"username": "", "password": ""})
    html = response.content.decode()
    assert "Enter your username" in html
    assert "Enter your password" in html
    assert not events(AuditAction.LOGIN_FAILED)


def test_safe_next_is_honoured(dave: Any) -> None:
    response = sign_in(Client(), "dave", next="/directory/")
    assert response["Location"] == "/directory/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_unsafe_next_is_ignored(dave: Any, target: str) -> None:
    response = sign_in(Client(), "dave", next=target)
    assert response["Location"] == reverse("home")


def test_next_from_the_query_is_kept_in_the_form() -> None:
    response = Client().get(LOGIN, {"next": "/directory/"})
    assert 'name="next" value="/directory/"' in response.content.decode()


def test_signed_in_user_visiting_login_goes_home(dave: Any) -> None:
    client = Client()
    client.force_login(dave)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# --- lock-out (django-axes) -------------------------------------------------------------------


def test_five_failures_lock_the_account_until_the_cool_off_ends(alice: Any) -> None:
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(4):
            assert sign_in(client, "alice", "wrong-password").status_code == 200
        fifth = sign_in(client, "alice", "wrong-password")
        assert fifth.status_code == 429
        refused = sign_in(client, "alice")  # the right password, while locked
        assert refused.status_code == 429
        assert "Sign-in is locked" in refused.content.decode()
        assert "_auth_user_id" not in client.session
        assert events(AuditAction.LOCKOUT)
        assert all(e.actor_id == alice.pk for e in events(AuditAction.LOCKOUT))
        assert not events(AuditAction.LOGIN)

        traveller.shift(timedelta(minutes=31))
        response = sign_in(client, "alice")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))
    assert len(events(AuditAction.LOGIN)) == 1


def test_lock_out_page_tells_how_long_to_wait(alice: Any) -> None:
    client = Client()
    for _ in range(5):
        response = sign_in(client, "alice", "wrong-password")
    html = response.content.decode()
    assert response.status_code == 429
    assert html.count("<h1") == 1
    assert "Wait 30 minutes" in html
    assert "alice" not in html.split("<main", 1)[1]


def test_attempts_during_the_lock_do_not_extend_it(alice: Any) -> None:
    """Someone who knows a username cannot keep its owner locked out by retrying."""
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            sign_in(client, "alice", "wrong-password")
        traveller.shift(timedelta(minutes=20))
        assert sign_in(client, "alice", "wrong-password").status_code == 429
        assert sign_in(client, "alice").status_code == 429
        traveller.shift(timedelta(minutes=11))  # 31 minutes after the lock, 11 after the retry
        assert sign_in(client, "alice").status_code == 302


def test_one_address_spraying_many_accounts_is_locked(alice: Any, bob: Any) -> None:
    client = Client()
    for name in ("alice", "bob", "nobody-1", "nobody-2", "nobody-3"):
        sign_in(client, name, "wrong-password")
    assert sign_in(client, "bob").status_code == 429


# --- demo accounts ----------------------------------------------------------------------------


@pytest.fixture
def demo_analyst(rapporteur: Any) -> Any:
    return factories.user("demo-analyst", rapporteur, "analyst", is_demo=True)


def test_demo_user_is_refused_when_demo_mode_is_off(settings: Any, demo_analyst: Any) -> None:
    settings.OPENNRM_DEMO = False
    client = Client()
    response = sign_in(client, "demo-analyst")
    assert response.status_code == 200
    assert GENERIC_ERROR in response.content.decode()
    assert "_auth_user_id" not in client.session
    [event] = events(AuditAction.LOGIN_FAILED)
    assert event.actor_id == demo_analyst.pk


def test_demo_user_is_accepted_when_demo_mode_is_on(settings: Any, demo_analyst: Any) -> None:
    settings.OPENNRM_DEMO = True
    client = Client()
    response = sign_in(client, "demo-analyst")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


# --- CSRF -------------------------------------------------------------------------------------


def test_login_without_csrf_token_is_refused(dave: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = sign_in(client, "dave")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert not events(AuditAction.LOGIN)


def test_login_with_csrf_token_works(dave: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN)
    token = client.cookies["opennrm_csrf"].value
    response = sign_in(client, "dave", csrfmiddlewaretoken=token)
    assert response.status_code == 302
    assert len(events(AuditAction.LOGIN)) == 1


# --- sign-out ---------------------------------------------------------------------------------


def test_logout_requires_post(dave: Any) -> None:
    client = Client()
    sign_in(client, "dave")
    assert client.get("/account/logout/").status_code == 405
    assert client.get("/").status_code == 200  # still signed in
    assert not events(AuditAction.LOGOUT)


def test_logout_ends_the_session_and_is_audited(dave: Any) -> None:
    client = Client()
    sign_in(client, "dave")
    response = client.post("/account/logout/", follow=True)
    assert response.redirect_chain[0] == (reverse("login"), 302)
    assert "You have signed out" in response.content.decode()
    after = client.get("/")
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("login"))
    [event] = events(AuditAction.LOGOUT)
    assert event.actor_id == dave.pk


def test_logout_without_csrf_token_is_refused(dave: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(dave)
    assert client.post("/account/logout/").status_code == 403
    assert client.get("/").status_code == 200


def test_unverified_user_can_still_sign_out(alice: Any) -> None:
    client = Client()
    sign_in(client, "alice")
    response = client.post("/account/logout/")
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
