"""An organisation administrator cannot raise privileges beyond their own organisation."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.directory import roles, services
from opennrm.directory.backends import forget_memberships
from opennrm.directory.models import Membership, User
from tests import factories


@pytest.mark.django_db
def test_admin_cannot_give_a_national_role(erin: Any, alice: Any, shelter_a: Any) -> None:
    # The auditor reads every organisation's trail; the coordinator triages the whole country.
    assert set(roles.ROLES_GRANTED_BY_OPERATORS_ONLY) == {"auditor", "coordinator"}
    for role in ("auditor", "coordinator"):
        with pytest.raises(InvalidInput) as refused:
            services.membership_grant(
                actor=erin, organisation=shelter_a, user_id=alice.pk, role=role
            )
        assert "role" in refused.value.errors
    with pytest.raises(InvalidInput):
        services.user_create(
            actor=erin,
            organisation=shelter_a,
            username="gina",
            email="gina@example.org",
            first_name="",
            last_name="",
            roles=["auditor"],
            base_url="http://127.0.0.1:8000/",
        )
    assert not Membership.objects.filter(role="auditor").exists()
    assert not User.objects.filter(username="gina").exists()


@pytest.mark.django_db
def test_admin_cannot_change_their_own_roles(erin: Any, shelter_a: Any) -> None:
    with pytest.raises(InvalidInput):
        services.membership_grant(
            actor=erin, organisation=shelter_a, user_id=erin.pk, role="coordinator"
        )
    forget_memberships(erin)
    assert not erin.has_perm(roles.VIEW_PERSON, shelter_a)


@pytest.mark.django_db
def test_the_web_form_does_not_offer_operator_roles(as_user: Any, erin: Any) -> None:
    html = as_user(erin).get("/directory/users/new/").content.decode()
    assert 'value="case_worker"' in html
    assert 'value="auditor"' not in html


@pytest.mark.django_db
def test_operator_can_give_the_auditor_role(centre: Any, mailoutbox: Any) -> None:
    call_command(
        "user_create",
        "--org", centre.slug, "--username", "dpo", "--email", "dpo@example.org",
        "--role", "auditor",
    )  # fmt: skip
    assert Membership.objects.filter(user__username="dpo", role="auditor").exists()


@pytest.mark.django_db
def test_account_wide_actions_need_every_organisation_of_the_user(
    erin: Any, frank: Any, shelter_a: Any, shelter_b: Any
) -> None:
    """erin (admin of A) must not reset two-factor or unlock someone who is also in B."""
    both = factories.user("hana", shelter_a, "case_worker")
    Membership.objects.create(user=both, organisation=shelter_b, role="administrator")
    TOTPDevice.objects.create(user=both, name="authenticator", confirmed=True)
    for service in (services.user_reset_two_factor, services.user_unlock):
        with pytest.raises(NotFoundOrForbidden):
            service(actor=erin, organisation=shelter_a, user_id=both.pk)
    assert TOTPDevice.objects.filter(user=both).count() == 1
    # An administrator of both organisations may.
    Membership.objects.create(user=frank, organisation=shelter_a, role="administrator")
    forget_memberships(frank)
    assert services.user_reset_two_factor(actor=frank, organisation=shelter_b, user_id=both.pk)
    assert TOTPDevice.objects.filter(user=both).count() == 0


@pytest.mark.django_db
def test_the_operator_grants_a_national_role_to_a_member(
    alice: Any, shelter_a: Any, shelter_b: Any
) -> None:
    from io import StringIO

    from django.core.management.base import CommandError

    from opennrm.core.models import AuditEvent

    out = StringIO()
    call_command(
        "role_grant",
        "--org",
        "shelter-a",
        "--username",
        "alice",
        "--role",
        "coordinator",
        stdout=out,
    )
    assert "coordinator" in out.getvalue()
    assert Membership.objects.filter(
        user=alice, organisation=shelter_a, role="coordinator", is_active=True
    ).exists()
    event = AuditEvent.objects.get(action="create", object_type="membership")
    assert event.actor_label == "cli" and event.detail == {"user": alice.pk, "role": "coordinator"}
    with pytest.raises(CommandError):  # already held
        call_command(
            "role_grant",
            "--org",
            "shelter-a",
            "--username",
            "alice",
            "--role",
            "coordinator",
            stdout=StringIO(),
        )
    with pytest.raises(CommandError):  # not a member of that organisation
        call_command(
            "role_grant",
            "--org",
            "shelter-b",
            "--username",
            "alice",
            "--role",
            "auditor",
            stdout=StringIO(),
        )
    with pytest.raises(CommandError):
        call_command(
            "role_grant",
            "--org",
            "shelter-a",
            "--username",
            "nobody",
            "--role",
            "auditor",
            stdout=StringIO(),
        )
