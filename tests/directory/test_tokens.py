"""API tokens: issued by organisation administrators, confined to their organisation."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from opennrm.core import clock
from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.core.models import AuditEvent
from opennrm.directory import roles, services
from opennrm.directory.api_auth import authenticate_token
from opennrm.directory.models import ApiToken, Membership, User
from tests import factories
from tests.conftest import verified_client

ME = "/api/v1/directory/me"
ORGANISATIONS = "/api/v1/directory/organisations"
TOKEN = re.compile(r"onrm_[0-9a-f]{10}_[A-Za-z0-9_-]{20,}")


def in_org(url_name: str, org: Any, *args: Any) -> str:
    return f"{reverse(url_name, args=args)}?organisation={org.pk}"


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def rejected() -> int:
    return AuditEvent.objects.filter(action="token_rejected").count()


@pytest.fixture
def service_a(shelter_a: Any) -> Any:
    return factories.user("svc-a", shelter_a, "case_worker", is_service_account=True)


@pytest.fixture
def token_a(erin: Any, shelter_a: Any, service_a: Any) -> tuple[ApiToken, str]:
    return services.api_token_create(
        actor=erin, organisation=shelter_a, user_id=service_a.pk, name="case system"
    )


def test_admin_creates_a_token_that_authenticates_the_api(
    erin: Any, shelter_a: Any, service_a: Any
) -> None:
    client = verified_client(erin)
    form = client.get(in_org("directory:token_create", shelter_a))
    assert form.status_code == 200 and b"svc-a" in form.content
    response = client.post(
        in_org("directory:token_create", shelter_a),
        {"name": "case system", "user": service_a.pk, "expires_in_days": "30"},
    )
    assert response.status_code == 200
    match = TOKEN.search(response.content.decode())
    assert match is not None
    full = match.group(0)

    token = ApiToken.objects.get(organisation=shelter_a)
    assert token.user == service_a
    assert token.expires_at is not None
    assert token.secret_hash not in full
    assert full not in token.secret_hash
    assert token.secret_hash == hashlib.sha256(full.split("_", 2)[2].encode()).hexdigest()
    assert AuditEvent.objects.filter(
        action="token_create",
        object_type="apitoken",
        object_id=str(token.pk),
        actor_id=erin.pk,
        organisation_id=shelter_a.pk,
    ).exists()

    me = Client().get(ME, **bearer(full))
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "svc-a"
    assert body["token"]["organisation"]["slug"] == "shelter-a"
    assert body["token"]["name"] == "case system"
    assert [m["organisation"]["slug"] for m in body["memberships"]] == ["shelter-a"]

    listing = client.get(in_org("directory:tokens", shelter_a))
    assert token.prefix.encode() in listing.content
    assert full.encode() not in listing.content  # shown once only


def test_token_create_with_bad_input_changes_nothing(
    erin: Any, shelter_a: Any, service_a: Any, carol: Any
) -> None:
    client = verified_client(erin)
    response = client.post(
        in_org("directory:token_create", shelter_a),
        {"name": "", "user": carol.pk, "expires_in_days": "0"},
    )
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert not ApiToken.objects.exists()


def test_token_may_only_act_as_a_member_of_the_organisation(
    erin: Any, shelter_a: Any, carol: Any
) -> None:
    with pytest.raises(InvalidInput):
        services.api_token_create(
            actor=erin, organisation=shelter_a, user_id=carol.pk, name="poach"
        )
    assert not ApiToken.objects.exists()


def test_unauthenticated_calls_get_401(db: Any) -> None:
    assert Client().get(ME).status_code == 401
    assert Client().get(ORGANISATIONS).status_code == 401


@pytest.mark.parametrize(
    "make_bad",
    [
        pytest.param(lambda full, token: "nonsense", id="malformed"),
        pytest.param(lambda full, token: "onrm__", id="empty-parts"),
        pytest.param(lambda full, token: f"onrm_{token.prefix}_wrong-secret", id="wrong-secret"),
        pytest.param(lambda full, token: f"onrm_ffffffffff_{full.split('_', 2)[2]}", id="unknown"),
    ],
)
def test_bad_tokens_get_401_and_are_audited(token_a: tuple[ApiToken, str], make_bad: Any) -> None:
    token, full = token_a
    before = rejected()
    response = Client().get(ME, **bearer(make_bad(full, token)))
    assert response.status_code == 401
    assert rejected() == before + 1


def test_revoked_token_gets_401(erin: Any, shelter_a: Any, token_a: tuple[ApiToken, str]) -> None:
    token, full = token_a
    assert Client().get(ME, **bearer(full)).status_code == 200
    client = verified_client(erin)
    response = client.post(in_org("directory:token_revoke", shelter_a, token.pk))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(
        action="token_revoke", object_id=str(token.pk), actor_id=erin.pk
    ).exists()
    before = rejected()
    assert Client().get(ME, **bearer(full)).status_code == 401
    assert rejected() == before + 1
    with pytest.raises(InvalidInput):  # revoking twice is refused, not silently repeated
        services.api_token_revoke(actor=erin, organisation=shelter_a, token_id=token.pk)


def test_expired_token_gets_401(erin: Any, shelter_a: Any, service_a: Any) -> None:
    _token, full = services.api_token_create(
        actor=erin, organisation=shelter_a, user_id=service_a.pk, name="short", expires_in_days=1
    )
    assert Client().get(ME, **bearer(full)).status_code == 200
    with time_machine.travel(clock.now() + timedelta(days=1, minutes=1)):
        before = rejected()
        assert Client().get(ME, **bearer(full)).status_code == 401
        assert rejected() == before + 1


def test_token_of_shelter_b_never_acts_in_shelter_a(
    frank: Any, shelter_a: Any, shelter_b: Any
) -> None:
    # A service account that is a member of both organisations; the token is shelter_b's.
    service = factories.user("svc-both", shelter_b, "case_worker", is_service_account=True)
    Membership.objects.create(user=service, organisation=shelter_a, role="case_worker")
    _token, full = services.api_token_create(
        actor=frank, organisation=shelter_b, user_id=service.pk, name="b system"
    )
    api_token = authenticate_token(full)
    assert api_token is not None
    acting = api_token.user
    acting.api_token = api_token  # what TokenAuth does
    assert acting.has_perm(roles.VIEW_PERSON, shelter_b)
    assert not acting.has_perm(roles.VIEW_PERSON, shelter_a)
    assert not acting.has_perm(roles.VIEW_PERSON, shelter_a.pk)

    body = Client().get(ME, **bearer(full)).json()
    assert [m["organisation"]["slug"] for m in body["memberships"]] == ["shelter-b"]
    assert body["token"]["organisation"]["slug"] == "shelter-b"


def test_other_organisations_admin_cannot_see_create_or_revoke_tokens(
    frank: Any, shelter_a: Any, service_a: Any, token_a: tuple[ApiToken, str]
) -> None:
    token, _full = token_a
    client = verified_client(frank)
    assert client.get(in_org("directory:tokens", shelter_a)).status_code == 404
    assert client.post(in_org("directory:token_revoke", shelter_a, token.pk)).status_code == 404
    own_org = client.post(reverse("directory:token_revoke", args=[token.pk]))
    assert own_org.status_code == 404
    listing = client.get(reverse("directory:tokens"))
    assert listing.status_code == 200 and token.prefix.encode() not in listing.content
    with pytest.raises(NotFoundOrForbidden):
        services.api_token_create(
            actor=frank, organisation=shelter_a, user_id=service_a.pk, name="mole"
        )
    with pytest.raises(NotFoundOrForbidden):
        services.api_token_revoke(actor=frank, organisation=shelter_a, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiToken.objects.count() == 1


def test_non_administrator_cannot_manage_tokens(alice: Any, shelter_a: Any) -> None:
    client = verified_client(alice)
    assert client.get(reverse("directory:tokens")).status_code == 403
    assert client.post(reverse("directory:token_create"), {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_command_line_creates_and_revokes_a_token(shelter_a: Any, service_a: Any) -> None:
    out, err = StringIO(), StringIO()
    call_command(
        "token_create",
        "--org",
        "shelter-a",
        "--user",
        "svc-a",
        "--name",
        "nightly export",
        "--expires-days",
        "7",
        stdout=out,
        stderr=err,
    )
    full = out.getvalue().strip()
    assert TOKEN.fullmatch(full)
    assert Client().get(ME, **bearer(full)).status_code == 200
    token = ApiToken.objects.get(name="nightly export")
    assert AuditEvent.objects.filter(
        action="token_create", object_id=str(token.pk), actor_label="cli", channel="cli"
    ).exists()

    call_command("token_revoke", "--prefix", token.prefix, stdout=StringIO())
    assert Client().get(ME, **bearer(full)).status_code == 401


def test_each_use_of_a_token_is_audited_with_the_token(token_a: tuple[ApiToken, str]) -> None:
    token, raw = token_a
    response = Client().get("/api/v1/directory/me", **bearer(raw))
    assert response.status_code == 200
    use = AuditEvent.objects.get(action="token_use")
    assert use.api_token_id == token.pk
    assert use.organisation_id == token.organisation_id
    assert use.actor_id == token.user_id
    assert use.channel == "api"
    assert use.detail["method"] == "GET"
    assert raw not in str(use.detail)


def test_use_event_names_who_issued_the_token(erin: Any, token_a: tuple[ApiToken, str]) -> None:
    _token, raw = token_a
    assert Client().get(ME, **bearer(raw)).status_code == 200
    assert AuditEvent.objects.get(action="token_use").detail["issued_by"] == erin.pk


@pytest.mark.parametrize("role", ["case_worker", "coordinator", "administrator"])
def test_token_for_a_person_is_refused_and_creates_nothing(
    erin: Any, shelter_a: Any, role: str
) -> None:
    person = factories.user("cora", shelter_a, role)
    with pytest.raises(InvalidInput) as refused:
        services.api_token_create(
            actor=erin, organisation=shelter_a, user_id=person.pk, name="as cora"
        )
    assert "service account" in refused.value.errors["user"][0]
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action="token_create").exists()

    client = verified_client(erin)
    form = client.get(in_org("directory:token_create", shelter_a))
    assert b"cora" not in form.content
    assert b"--service-account" in form.content  # no service account yet: says how to get one
    response = client.post(
        in_org("directory:token_create", shelter_a), {"name": "as cora", "user": person.pk}
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_command_line_refuses_a_token_for_a_person(alice: Any) -> None:
    with pytest.raises(CommandError):
        call_command(
            "token_create",
            "--org",
            "shelter-a",
            "--user",
            "alice",
            "--name",
            "x",
            stdout=StringIO(),
        )
    assert not ApiToken.objects.exists()


def test_service_account_cannot_sign_in_with_a_password(service_a: Any) -> None:
    assert service_a.has_usable_password()  # the factory set one: the backend still refuses
    request = RequestFactory().post("/account/login/")
    assert authenticate(request, username="svc-a", password=factories.PASSWORD) is None
    client = Client()
    response = client.post("/account/login/", {"username": "svc-a", "password": factories.PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("demo", [False, True])
def test_demo_account_token_works_only_in_demo_mode(
    settings: Any, erin: Any, shelter_a: Any, demo: bool
) -> None:
    settings.OPENNRM_DEMO = True
    account = factories.user(
        "svc-demo", shelter_a, "case_worker", is_service_account=True, is_demo=True
    )
    _token, raw = services.api_token_create(
        actor=erin, organisation=shelter_a, user_id=account.pk, name="demo client"
    )
    settings.OPENNRM_DEMO = demo
    before = rejected()
    response = Client().get(ME, **bearer(raw))
    if demo:
        assert response.status_code == 200
        assert rejected() == before
    else:
        assert response.status_code == 401
        assert rejected() == before + 1
        assert not AuditEvent.objects.filter(action="token_use").exists()


def test_no_token_for_a_demo_account_outside_demo_mode(
    settings: Any, erin: Any, shelter_a: Any
) -> None:
    settings.OPENNRM_DEMO = False
    account = factories.user(
        "svc-demo", shelter_a, "case_worker", is_service_account=True, is_demo=True
    )
    with pytest.raises(InvalidInput):
        services.api_token_create(
            actor=erin, organisation=shelter_a, user_id=account.pk, name="demo client"
        )
    assert not ApiToken.objects.exists()
    form = verified_client(erin).get(in_org("directory:token_create", shelter_a))
    assert b"svc-demo" not in form.content


def test_command_line_creates_a_service_account_without_mail(
    shelter_a: Any, erin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command(
            "user_create",
            "--org",
            "shelter-a",
            "--username",
            "svc-export",
            "--email",
            "export@example.org",
            "--role",
            "case_worker",
            "--service-account",
            stdout=StringIO(),
        )
    assert callbacks == []
    assert mail.outbox == []
    account = User.objects.get(username="svc-export")
    assert account.is_service_account
    assert not account.has_usable_password()
    assert Membership.objects.filter(user=account, organisation=shelter_a, is_active=True).exists()
    created = AuditEvent.objects.get(
        action="create", object_type="user", object_id=str(account.pk), channel="cli"
    )
    assert created.detail["is_service_account"] is True
    _token, raw = services.api_token_create(
        actor=erin, organisation=shelter_a, user_id=account.pk, name="export"
    )
    assert Client().get(ME, **bearer(raw)).status_code == 200


def test_web_user_form_does_not_offer_service_accounts(erin: Any, shelter_a: Any) -> None:
    page = verified_client(erin).get(in_org("directory:user_create", shelter_a))
    assert page.status_code == 200
    assert b"service_account" not in page.content
    response = verified_client(erin).post(
        in_org("directory:user_create", shelter_a),
        {
            "username": "sneaky",
            "email": "sneaky@example.org",
            "roles": ["case_worker"],
            "is_service_account": "on",
        },
    )
    assert response.status_code in (200, 302)
    assert not User.objects.get(username="sneaky").is_service_account


def test_an_administrator_cannot_create_a_service_account(erin: Any, shelter_a: Any) -> None:
    with pytest.raises(NotFoundOrForbidden):
        services.user_create(
            actor=erin,
            organisation=shelter_a,
            username="svc-sneaky",
            email="svc@example.org",
            roles=["case_worker"],
            service_account=True,
        )
    assert not User.objects.filter(username="svc-sneaky").exists()


@pytest.mark.django_db
def test_a_flood_of_bad_tokens_cannot_fill_the_audit_trail(settings: Any) -> None:
    settings.OPENNRM_REJECTED_TOKENS_AUDITED_PER_HOUR = 3
    client = Client()
    for _ in range(10):
        response = client.get(
            "/api/v1/signals/", **bearer("onrm_0123456789_" + "x" * 30), REMOTE_ADDR="203.0.113.5"
        )
        assert response.status_code == 401
    events = AuditEvent.objects.filter(action="token_rejected").order_by("seq")
    assert events.count() == 4  # three, and one saying that further ones go unrecorded
    assert events.last().detail == {"further_rejections_unrecorded_this_hour": True}
    other = Client().get(
        "/api/v1/signals/", **bearer("onrm_0123456789_" + "y" * 30), REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 401 and rejected() == 5  # another client is recorded
