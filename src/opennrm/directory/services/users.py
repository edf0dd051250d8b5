"""Users and their memberships: creation, passwords, roles, removal, two-factor reset, unlock."""

from __future__ import annotations

from functools import partial
from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import EmailValidator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.core import audit, clock
from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.core.models import AuditAction
from opennrm.directory import selectors
from opennrm.directory.models import ApiToken, Membership, Organisation, User
from opennrm.directory.roles import MANAGE_USERS, Role
from opennrm.directory.services._common import (
    Actor,
    LastAdministratorError,
    _account,
    _check_roles,
    _forget,
    _require,
)


def _audit_user(
    actor: Actor, organisation: Organisation, user: User, action: str, detail: dict[str, Any]
) -> None:
    audit.record(
        action=action,
        actor=actor,
        organisation_id=organisation.pk,
        object_type="user",
        object_id=user.pk,
        detail=detail,
    )


def set_password_link(user: User, base_url: str) -> str:
    """An absolute, single-use link to choose a password (valid PASSWORD_RESET_TIMEOUT)."""
    path = reverse(
        "directory:password_set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def _validate_new_user(
    username: str, email: str, first_name: str, last_name: str, roles: list[str], actor: Actor
) -> list[str]:
    """All problems at once (the form shows each); returns the roles, deduplicated."""
    errors: dict[str, list[str]] = {}
    chosen: list[str] = []
    try:
        chosen = _check_roles(roles, actor=actor)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if not username:
        errors["username"] = [_("Enter a user name.")]
    elif len(username) > 150:
        errors["username"] = [_("The user name must be 150 characters or fewer.")]
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            errors["username"] = [_("Use letters, digits and @ . + - _ only in the user name.")]
    if "username" not in errors and User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This user name is already taken; choose another.")]
    try:
        EmailValidator()(email)
    except ValidationError:
        errors["email"] = [
            _("Enter an e-mail address in the correct format, like name@example.org.")
        ]
    if len(first_name) > 150:
        errors["first_name"] = [_("The first name must be 150 characters or fewer.")]
    if len(last_name) > 150:
        errors["last_name"] = [_("The last name must be 150 characters or fewer.")]
    if errors:
        raise InvalidInput(errors)
    return chosen


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    organisation: Organisation,
    username: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    roles: list[str],
    base_url: str = "",
    send_email: bool = True,
    service_account: bool = False,
) -> User:
    """Create a member of ``organisation`` with no usable password and e-mail a set-password link.

    With ``send_email=False`` (the ``--print-link`` of the command line) no e-mail is sent; the
    caller shows ``set_password_link`` instead. ``service_account=True`` makes an account that
    only API tokens act as: it never signs in and gets no e-mail; only the operator makes one.
    """
    _require(actor, MANAGE_USERS, organisation)
    if service_account and isinstance(actor, User):
        raise NotFoundOrForbidden
    username, email = username.strip(), email.strip()
    first_name, last_name = first_name.strip(), last_name.strip()
    chosen = _validate_new_user(username, email, first_name, last_name, roles, actor)
    user = User.objects.create_user(
        username=username,
        email=email,
        password=None,
        first_name=first_name,
        last_name=last_name,
        is_service_account=service_account,
    )
    detail: dict[str, Any] = {"roles": chosen}
    if service_account:
        detail["is_service_account"] = True
    _audit_user(actor, organisation, user, AuditAction.CREATE, detail)
    for role in chosen:
        membership = Membership.objects.create(
            user=user, organisation=organisation, role=role, created_by=_account(actor)
        )
        audit.record(
            action=AuditAction.CREATE,
            actor=actor,
            organisation_id=organisation.pk,
            object_type="membership",
            object_id=membership.pk,
            detail={"user": user.pk, "role": role},
        )
    if send_email and not service_account:
        link = set_password_link(user, base_url)
        days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
        subject = _("Set your OpenNRM password")
        body = _(
            "Hello,\n\nAn administrator of %(organisation)s created an OpenNRM account for you. "
            "Your user name is: %(username)s\n\nChoose your password with this link. It works "
            "once and expires in %(days)s days:\n%(link)s\n\nAfter that you will set up "
            "two-factor authentication with an authenticator app.\n\nIf you did not expect this "
            "message, ignore it and tell your organisation."
        ) % {"organisation": organisation.name, "username": username, "days": days, "link": link}
        transaction.on_commit(partial(send_mail, subject, body, None, [email]))
    return user


@transaction.atomic
def user_password_set(*, user: User, password: str) -> None:
    """The user chooses a password through a valid set-password link (the actor is the user)."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput({"new_password1": list(exc.messages)}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(
        action=AuditAction.UPDATE,
        actor=user,
        object_type="user",
        object_id=user.pk,
        detail={"password": "set"},
    )


def _is_last_administrator(user: User, organisation: Organisation) -> bool:
    others = (
        Membership.objects.filter(
            organisation=organisation,
            role=Role.ADMINISTRATOR,
            is_active=True,
            user__is_active=True,
        )
        .exclude(user=user)
        .exists()
    )
    return not others


def _refuse_self_lockout(actor: Actor, user: User, organisation: Organisation) -> None:
    if actor.pk is not None and actor.pk == user.pk and _is_last_administrator(user, organisation):
        message = _(
            "You are the last administrator of %(organisation)s: you cannot give up your own "
            "administrator role, or nobody could manage its users. Give the role to a colleague "
            "first."
        ) % {"organisation": organisation.name}
        raise LastAdministratorError({"role": [message]})


@transaction.atomic
def membership_grant(
    *, actor: Actor, organisation: Organisation, user_id: int, role: str
) -> Membership:
    """Give a member of ``organisation`` one more role there."""
    user = selectors.access_managed_user(actor=actor, organisation=organisation, user_id=user_id)
    (role,) = _check_roles([role], field="role", actor=actor)
    if isinstance(actor, User) and actor.pk == user.pk:
        raise InvalidInput({"role": [_("Ask another administrator to change your own roles.")]})
    existing = Membership.objects.filter(user=user, organisation=organisation, role=role).first()
    if existing is not None and existing.is_active:
        raise InvalidInput({"role": [_("This user already has that role here.")]})
    if existing is not None:
        existing.is_active = True
        existing.save(update_fields=["is_active"])
        membership, action = existing, AuditAction.UPDATE
    else:
        membership = Membership.objects.create(
            user=user, organisation=organisation, role=role, created_by=_account(actor)
        )
        action = AuditAction.CREATE
    audit.record(
        action=action,
        actor=actor,
        organisation_id=organisation.pk,
        object_type="membership",
        object_id=membership.pk,
        detail={"user": user.pk, "role": role},
    )
    _forget(user, actor)
    return membership


@transaction.atomic
def membership_revoke(*, actor: Actor, organisation: Organisation, user_id: int, role: str) -> None:
    """Withdraw one role; the last role goes only with ``user_remove_from_organisation``."""
    user = selectors.access_managed_user(actor=actor, organisation=organisation, user_id=user_id)
    (role,) = _check_roles([role], field="role", actor=None)  # withdrawing is always allowed
    held = Membership.objects.select_for_update().filter(
        user=user, organisation=organisation, is_active=True
    )
    membership = next((m for m in held if m.role == role), None)
    if membership is None:
        raise InvalidInput({"role": [_("This user does not have that role here.")]})
    if role == Role.ADMINISTRATOR:
        _refuse_self_lockout(actor, user, organisation)
    if len(held) == 1:
        raise InvalidInput(
            {
                "role": [
                    _(
                        "This is the user's only role here. To take away their access, remove "
                        "them from the organisation."
                    )
                ]
            }
        )
    membership_id = membership.pk
    membership.delete()
    audit.record(
        action=AuditAction.DELETE,
        actor=actor,
        organisation_id=organisation.pk,
        object_type="membership",
        object_id=membership_id,
        detail={"user": user.pk, "role": role},
    )
    _forget(user, actor)


@transaction.atomic
def user_remove_from_organisation(
    *, actor: Actor, organisation: Organisation, user_id: int
) -> None:
    """Take every role of the user in ``organisation`` and revoke their tokens there.

    A user left without any organisation is deactivated: they can no longer sign in.
    """
    user = selectors.access_managed_user(actor=actor, organisation=organisation, user_id=user_id)
    rows = list(Membership.objects.select_for_update().filter(user=user, organisation=organisation))
    if any(m.role == Role.ADMINISTRATOR and m.is_active for m in rows):
        _refuse_self_lockout(actor, user, organisation)
    for membership in rows:
        audit.record(
            action=AuditAction.DELETE,
            actor=actor,
            organisation_id=organisation.pk,
            object_type="membership",
            object_id=membership.pk,
            detail={"user": user.pk, "role": membership.role},
        )
    Membership.objects.filter(pk__in=[m.pk for m in rows]).delete()
    now = clock.now()
    tokens = ApiToken.objects.filter(user=user, organisation=organisation, revoked_at__isnull=True)
    for token in tokens:
        audit.record(
            action=AuditAction.TOKEN_REVOKE,
            actor=actor,
            organisation_id=organisation.pk,
            object_type="apitoken",
            object_id=token.pk,
            detail={"reason": "user_removed"},
        )
    tokens.update(revoked_at=now)
    if not Membership.objects.filter(user=user, is_active=True).exists() and user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        _audit_user(actor, organisation, user, AuditAction.UPDATE, {"is_active": False})
    _forget(user, actor)


@transaction.atomic
def _require_all_organisations_of(actor: Actor, user: User, organisation: Organisation) -> None:
    """Account-wide actions (two-factor reset, unlock) affect every organisation of the user, so
    the actor must administer all of them; otherwise the user is out of reach, as if missing."""
    others = (
        Membership.objects.filter(user=user, is_active=True)
        .exclude(organisation=organisation)
        .values_list("organisation_id", flat=True)
    )
    if any(not actor.has_perm(MANAGE_USERS, org_id) for org_id in set(others)):
        raise NotFoundOrForbidden


def user_reset_two_factor(*, actor: Actor, organisation: Organisation, user_id: int) -> int:
    """Delete the user's authenticator and recovery codes; they set up two-factor again.

    Returns the number of devices deleted. Sessions verified with a deleted device stop counting
    as verified.
    """
    user = selectors.access_managed_user(actor=actor, organisation=organisation, user_id=user_id)
    _require_all_organisations_of(actor, user, organisation)
    authenticators = TOTPDevice.objects.filter(user=user)
    recovery = StaticDevice.objects.filter(user=user)
    devices = authenticators.count() + recovery.count()
    authenticators.delete()
    recovery.delete()  # their codes go with them (cascade)
    _audit_user(
        actor, organisation, user, AuditAction.UPDATE, {"two_factor": "reset", "devices": devices}
    )
    return devices


@transaction.atomic
def user_unlock(*, actor: Actor, organisation: Organisation, user_id: int) -> int:
    """Lift a lock-out after failed sign-ins (django-axes); returns the attempts cleared."""
    user = selectors.access_managed_user(actor=actor, organisation=organisation, user_id=user_id)
    _require_all_organisations_of(actor, user, organisation)
    cleared = axes_reset(username=user.get_username())
    _audit_user(actor, organisation, user, AuditAction.UPDATE, {"unlock": cleared})
    return cleared
