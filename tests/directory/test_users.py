"""User administration by organisation administrators (directory pages and services)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.core.models import AuditEvent
from opennrm.directory import services, twofactor
from opennrm.directory.models import ApiToken, Membership, User
from tests import factories
from tests.conftest import verified_client

NEW_PASSWORD = "violet-otter-kettle-canyon"


def in_org(url_name: str, org: Any, *args: Any) -> str:
    return f"{reverse(url_name, args=args)}?organisation={org.pk}"


def roles_of(user: Any, org: Any) -> set[str]:
    rows = Membership.objects.filter(user=user, organisation=org, is_active=True)
    return set(rows.values_list("role", flat=True))


def events(**filters: Any) -> int:
    return AuditEvent.objects.filter(**filters).count()


def lock_out(user: Any) -> None:
    AccessAttempt.objects.create(
        username=user.username,
        ip_address="127.0.0.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/account/login/",
        get_data="",
        post_data="",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )


def enrol(user: Any) -> None:
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    twofactor.issue_recovery_codes(user)


# --- erin, administrator of shelter_a ---------------------------------------------------------


def test_admin_creates_user_who_sets_password_through_the_emailed_link(
    erin: Any, shelter_a: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = verified_client(erin)
    form = {
        "username": "gina",
        "email": "gina@example.org",
        "first_name": "Gina",
        "last_name": "Test",
        "roles": ["case_worker", "care_coordinator"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(in_org("directory:user_create", shelter_a), form)

    gina = User.objects.get(username="gina")
    assert response.status_code == 302
    assert response["Location"] == in_org("directory:user_detail", shelter_a, gina.pk)
    assert not gina.has_usable_password()
    assert roles_of(gina, shelter_a) == {"case_worker", "care_coordinator"}
    assert (
        events(
            action="create",
            object_type="user",
            object_id=str(gina.pk),
            actor_id=erin.pk,
            organisation_id=shelter_a.pk,
        )
        == 1
    )
    assert events(action="create", object_type="membership", organisation_id=shelter_a.pk) == 2

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["gina@example.org"]
    match = re.search(r"http://127.0.0.1:8000(/directory/password/set/\S+/)", mailoutbox[0].body)
    assert match is not None

    visitor = Client()
    landing = visitor.get(match.group(1))
    assert landing.status_code == 302  # the token moves to the session, out of the URL
    form_url = landing["Location"]
    assert "set-password" in form_url
    assert visitor.get(form_url).status_code == 200
    done = visitor.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("directory:password_set_done")

    request = RequestFactory().post("/account/login/")
    signed_in = authenticate(request, username="gina", password=NEW_PASSWORD)
    assert signed_in is not None and signed_in.pk == gina.pk
    assert (
        events(action="update", object_type="user", object_id=str(gina.pk), actor_id=gina.pk) == 1
    )
    again = Client().get(match.group(1))
    assert again.status_code == 200 and b"This link does not work" in again.content


def test_set_password_page_rejects_a_weak_password_and_keeps_the_account_unusable(
    erin: Any, shelter_a: Any
) -> None:
    gina = services.user_create(
        actor=erin,
        organisation=shelter_a,
        username="gina",
        email="gina@example.org",
        roles=["case_worker"],
        base_url="http://testserver",
        send_email=False,
    )
    link = services.set_password_link(gina, "http://testserver").removeprefix("http://testserver")
    visitor = Client()
    form_url = visitor.get(link)["Location"]
    response = visitor.post(form_url, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    gina.refresh_from_db()
    assert not gina.has_usable_password()


def test_user_create_with_bad_input_shows_errors_and_changes_nothing(
    erin: Any, shelter_a: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = verified_client(erin)
    before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            in_org("directory:user_create", shelter_a),
            {"username": "not valid!", "email": "nope", "roles": []},
        )
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert b"Choose at least one role." in response.content
    assert User.objects.count() == before
    assert mailoutbox == []


def test_user_create_refuses_a_taken_user_name(erin: Any, shelter_a: Any, carol: Any) -> None:
    client = verified_client(erin)
    response = client.post(
        in_org("directory:user_create", shelter_a),
        {"username": "CAROL", "email": "c2@example.org", "roles": ["case_worker"]},
    )
    assert response.status_code == 400
    assert b"already taken" in response.content
    assert roles_of(carol, shelter_a) == set()


def test_admin_grants_and_withdraws_a_role(erin: Any, alice: Any, shelter_a: Any) -> None:
    client = verified_client(erin)
    response = client.post(
        in_org("directory:user_role_grant", shelter_a, alice.pk), {"role": "investigator"}
    )
    assert response.status_code == 302
    assert roles_of(alice, shelter_a) == {"case_worker", "investigator"}
    assert (
        events(
            action="create",
            object_type="membership",
            actor_id=erin.pk,
            organisation_id=shelter_a.pk,
        )
        == 1
    )

    again = client.post(
        in_org("directory:user_role_grant", shelter_a, alice.pk), {"role": "investigator"}
    )
    assert again.status_code == 400
    assert b"already has that role" in again.content

    response = client.post(
        in_org("directory:user_role_withdraw", shelter_a, alice.pk), {"role": "investigator"}
    )
    assert response.status_code == 302
    assert roles_of(alice, shelter_a) == {"case_worker"}
    assert (
        events(
            action="delete",
            object_type="membership",
            actor_id=erin.pk,
            organisation_id=shelter_a.pk,
        )
        == 1
    )


def test_withdrawing_the_last_role_asks_for_removal_instead(
    erin: Any, alice: Any, shelter_a: Any
) -> None:
    with pytest.raises(InvalidInput):
        services.membership_revoke(
            actor=erin, organisation=shelter_a, user_id=alice.pk, role="case_worker"
        )
    assert roles_of(alice, shelter_a) == {"case_worker"}


def test_grant_or_withdraw_with_an_unknown_role_is_refused(
    erin: Any, alice: Any, shelter_a: Any
) -> None:
    client = verified_client(erin)
    for url_name in ("directory:user_role_grant", "directory:user_role_withdraw"):
        response = client.post(in_org(url_name, shelter_a, alice.pk), {"role": "superuser"})
        assert response.status_code == 400
        assert b"There is a problem" in response.content
    assert roles_of(alice, shelter_a) == {"case_worker"}


def test_admin_resets_two_factor(erin: Any, alice: Any, shelter_a: Any) -> None:
    enrol(alice)
    client = verified_client(erin)
    confirm = client.get(in_org("directory:user_reset_two_factor", shelter_a, alice.pk))
    assert confirm.status_code == 200
    assert TOTPDevice.objects.filter(user=alice).exists()  # a GET changes nothing

    response = client.post(in_org("directory:user_reset_two_factor", shelter_a, alice.pk))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticDevice.objects.filter(user=alice).exists()
    event = AuditEvent.objects.get(action="update", object_type="user", object_id=str(alice.pk))
    assert event.detail == {"two_factor": "reset", "devices": 2}
    assert event.organisation_id == shelter_a.pk


def test_admin_lifts_a_lock_out(erin: Any, alice: Any, shelter_a: Any) -> None:
    lock_out(alice)
    client = verified_client(erin)
    page = client.get(in_org("directory:user_detail", shelter_a, alice.pk))
    assert b"Locked out" in page.content
    response = client.post(in_org("directory:user_unlock", shelter_a, alice.pk))
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert (
        events(action="update", object_type="user", object_id=str(alice.pk), actor_id=erin.pk) == 1
    )


def test_admin_removes_a_user_from_the_organisation(erin: Any, shelter_a: Any) -> None:
    bob = factories.user("bob", shelter_a, "case_worker", is_service_account=True)
    token, _full = services.api_token_create(
        actor=erin, organisation=shelter_a, user_id=bob.pk, name="bob's script"
    )
    client = verified_client(erin)
    response = client.post(in_org("directory:user_remove", shelter_a, bob.pk))
    assert response.status_code == 302
    bob.refresh_from_db()
    token.refresh_from_db()
    assert roles_of(bob, shelter_a) == set()
    assert not bob.is_active  # no organisation left
    assert token.revoked_at is not None
    assert events(action="delete", object_type="membership", organisation_id=shelter_a.pk) == 1
    listing = client.get(in_org("directory:users", shelter_a))
    assert b">bob<" not in listing.content


def test_users_page_lists_only_the_members_of_the_organisation(
    erin: Any, alice: Any, carol: Any, shelter_a: Any
) -> None:
    response = verified_client(erin).get(reverse("directory:users"))
    assert response.status_code == 200
    assert b">alice<" in response.content
    assert b">carol<" not in response.content


def test_admin_of_two_organisations_chooses_one(
    erin: Any, alice: Any, carol: Any, shelter_b: Any
) -> None:
    Membership.objects.create(user=erin, organisation=shelter_b, role="administrator")
    response = verified_client(erin).get(in_org("directory:users", shelter_b))
    assert response.status_code == 200
    assert b'name="organisation"' in response.content
    assert b">carol<" in response.content
    assert b">alice<" not in response.content


# --- an administrator cannot lock their organisation out ----------------------------------------


def test_admin_cannot_withdraw_their_own_last_administrator_role(erin: Any, shelter_a: Any) -> None:
    Membership.objects.create(user=erin, organisation=shelter_a, role="auditor")
    client = verified_client(erin)
    response = client.post(
        in_org("directory:user_role_withdraw", shelter_a, erin.pk), {"role": "administrator"}
    )
    assert response.status_code == 400
    assert b"last administrator" in response.content
    removal = client.post(in_org("directory:user_remove", shelter_a, erin.pk))
    assert removal.status_code == 400
    assert b"last administrator" in removal.content
    assert roles_of(erin, shelter_a) == {"administrator", "auditor"}
    with pytest.raises(services.LastAdministratorError):
        services.membership_revoke(
            actor=erin, organisation=shelter_a, user_id=erin.pk, role="administrator"
        )
    with pytest.raises(services.LastAdministratorError):
        services.user_remove_from_organisation(actor=erin, organisation=shelter_a, user_id=erin.pk)
    assert roles_of(erin, shelter_a) == {"administrator", "auditor"}


def test_admin_may_step_down_when_another_administrator_remains(erin: Any, shelter_a: Any) -> None:
    Membership.objects.create(user=erin, organisation=shelter_a, role="auditor")
    factories.user("erin2", shelter_a, "administrator")
    services.membership_revoke(
        actor=erin, organisation=shelter_a, user_id=erin.pk, role="administrator"
    )
    assert roles_of(erin, shelter_a) == {"auditor"}
    assert not erin.has_perm("directory.manage_own_org_user", shelter_a)  # cache forgotten


# --- frank (administrator elsewhere), alice (no administrator) and anonymous ----------------------


@pytest.mark.parametrize(
    ("url_name", "method"),
    [
        ("directory:user_detail", "get"),
        ("directory:user_remove", "get"),
        ("directory:user_reset_two_factor", "get"),
        ("directory:user_role_grant", "post"),
        ("directory:user_role_withdraw", "post"),
        ("directory:user_remove", "post"),
        ("directory:user_reset_two_factor", "post"),
        ("directory:user_unlock", "post"),
    ],
)
def test_other_organisations_admin_gets_404_and_changes_nothing(
    frank: Any, alice: Any, shelter_a: Any, shelter_b: Any, url_name: str, method: str
) -> None:
    enrol(alice)
    lock_out(alice)
    client = verified_client(frank)
    for org in (shelter_a, shelter_b):
        url = in_org(url_name, org, alice.pk)
        response = getattr(client, method)(url, {"role": "administrator"})
        assert response.status_code == 404
    alice.refresh_from_db()
    assert alice.is_active
    assert roles_of(alice, shelter_a) == {"case_worker"}
    assert TOTPDevice.objects.filter(user=alice).exists()
    assert AccessAttempt.objects.filter(username="alice").exists()
    assert events(actor_id=frank.pk) == 0


def test_other_organisations_admin_cannot_list_its_users(
    frank: Any, alice: Any, shelter_a: Any
) -> None:
    client = verified_client(frank)
    assert client.get(in_org("directory:users", shelter_a)).status_code == 404
    assert client.get(in_org("directory:user_create", shelter_a)).status_code == 404
    response = client.post(
        in_org("directory:user_create", shelter_a),
        {"username": "mole", "email": "mole@example.org", "roles": ["administrator"]},
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="mole").exists()
    own = client.get(reverse("directory:users"))
    assert own.status_code == 200 and b">alice<" not in own.content


def test_services_refuse_the_other_organisations_admin(
    frank: Any, alice: Any, shelter_a: Any, shelter_b: Any
) -> None:
    enrol(alice)
    lock_out(alice)
    calls = [
        lambda org: services.membership_grant(
            actor=frank, organisation=org, user_id=alice.pk, role="administrator"
        ),
        lambda org: services.membership_revoke(
            actor=frank, organisation=org, user_id=alice.pk, role="case_worker"
        ),
        lambda org: services.user_remove_from_organisation(
            actor=frank, organisation=org, user_id=alice.pk
        ),
        lambda org: services.user_reset_two_factor(actor=frank, organisation=org, user_id=alice.pk),
        lambda org: services.user_unlock(actor=frank, organisation=org, user_id=alice.pk),
    ]
    # shelter_a: frank has no right there; shelter_b: alice is no member there (no poaching).
    for org in (shelter_a, shelter_b):
        for call in calls:
            with pytest.raises(NotFoundOrForbidden):
                call(org)
    with pytest.raises(NotFoundOrForbidden):
        services.user_create(
            actor=frank,
            organisation=shelter_a,
            username="mole",
            email="m@example.org",
            roles=["administrator"],
            base_url="http://testserver",
        )
    assert roles_of(alice, shelter_a) == {"case_worker"}
    assert roles_of(alice, shelter_b) == set()
    assert TOTPDevice.objects.filter(user=alice).exists()
    assert AccessAttempt.objects.filter(username="alice").exists()
    assert not User.objects.filter(username="mole").exists()
    assert not ApiToken.objects.exists()
    assert events(actor_id=frank.pk) == 0


def test_non_administrator_cannot_use_the_user_pages(alice: Any, bob: Any, shelter_a: Any) -> None:
    client = verified_client(alice)
    assert client.get(reverse("directory:users")).status_code == 403
    assert client.get(in_org("directory:user_detail", shelter_a, bob.pk)).status_code == 403
    response = client.post(
        in_org("directory:user_role_grant", shelter_a, bob.pk), {"role": "administrator"}
    )
    assert response.status_code == 403
    assert roles_of(bob, shelter_a) == {"case_worker"}
    with pytest.raises(NotFoundOrForbidden):
        services.membership_grant(
            actor=alice, organisation=shelter_a, user_id=bob.pk, role="administrator"
        )


def test_anonymous_is_sent_to_sign_in(alice: Any, shelter_a: Any) -> None:
    response = Client().get(reverse("directory:users"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_changes_need_post(erin: Any, alice: Any, shelter_a: Any) -> None:
    client = verified_client(erin)
    response = client.get(in_org("directory:user_role_grant", shelter_a, alice.pk))
    assert response.status_code == 405
    assert roles_of(alice, shelter_a) == {"case_worker"}


def test_unverified_admin_is_sent_to_two_factor(erin: Any) -> None:
    client = Client()
    client.force_login(erin)
    response = client.get(reverse("directory:users"))
    assert response.status_code == 302
    assert "/account/two-factor/" in response["Location"]
