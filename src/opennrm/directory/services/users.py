"""Writes of the directory (DESIGN rule 1): one service per use case, one transaction each.

Every service checks the actor's permission on the organisation concerned (the backend resolves
``own_org`` scope against it), raises ``NotFoundOrForbidden`` when it does not hold, writes its
audit event inside its transaction and sends e-mail only after the commit. Organisation
administrators call these from the web pages; operators call them from the command line through a
``SystemActor``.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import EmailValidator, validate_slug
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
from opennrm.directory.api_auth import new_token_material
from opennrm.directory.backends import forget_memberships
from opennrm.directory.models import ApiToken, Membership, Organisation, OrganisationKind, User
from opennrm.directory.roles import MANAGE_TOKENS, MANAGE_USERS, Role

ADD_ORGANISATION = "directory.add_organisation"  # granted by no role: operators only
TOKEN_MAX_DAYS = 3650


class SystemActor:
    """The operator at the command line: no account, every permission, audited by its label.

    Only management commands construct one (``opennrm org create``, ``opennrm user create`` …);
    web pages and the API always act as the signed-in user.
    """

    pk = None
    is_authenticated = True

    def __init__(self, label: str = "cli") -> None:
        self.label = label

    def get_username(self) -> str:
        return self.label

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return True


Actor = User | SystemActor


class LastAdministratorError(InvalidInput):
    """The change would leave the organisation without an administrator (a lock-out)."""


def _require(actor: Actor, perm: str, organisation: Organisation) -> None:
    if not actor.has_perm(perm, organisation):
        raise NotFoundOrForbidden


def _account(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _forget(*users: Any) -> None:
    for user in users:
        if isinstance(user, User):
            forget_memberships(user)


def _check_roles(values: list[str], field: str = "roles") -> list[str]:
    chosen = list(dict.fromkeys(values))
    if not chosen:
        raise InvalidInput({field: [_("Choose at least one role.")]})
    unknown = [value for value in chosen if value not in Role.values]
    if unknown:
        raise InvalidInput({field: [_("Choose a role from the list.")]})
    return chosen


# --- organisations ----------------------------------------------------------------------------


@transaction.atomic
def organisation_create(
    *,
    actor: Actor,
    slug: str,
    name: str,
    kind: str,
    country: str,
    region: str = "",
    short_name: str = "",
) -> Organisation:
    """Add a partner organisation to the directory (operators only)."""
    if not actor.has_perm(ADD_ORGANISATION):
        raise NotFoundOrForbidden
    errors: dict[str, list[str]] = {}
    slug, name, country = slug.strip(), name.strip(), country.strip().upper()
    try:
        validate_slug(slug)
    except ValidationError:
        errors["slug"] = [_("Use letters, numbers, hyphens and underscores only.")]
    if not errors.get("slug") and Organisation.objects.filter(slug=slug).exists():
        errors["slug"] = [_("An organisation with this code already exists.")]
    if not name or len(name) > 200:
        errors["name"] = [_("Enter a name of at most 200 characters.")]
    if kind not in OrganisationKind.values:
        errors["kind"] = [_("Choose a kind of organisation from the list.")]
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        errors["country"] = [_("Enter a two-letter ISO 3166-1 country code, like NL or BE.")]
    if len(region) > 100 or len(short_name) > 40:
        errors["region"] = [_("The region or short name is too long.")]
    if errors:
        raise InvalidInput(errors)
    organisation = Organisation.objects.create(
        slug=slug,
        name=name,
        kind=kind,
        country=country,
        region=region.strip(),
        short_name=short_name.strip(),
    )
    audit.record(
        action=AuditAction.CREATE,
        actor=actor,
        organisation_id=organisation.pk,
        object_type="organisation",
        object_id=organisation.pk,
        detail={"kind": kind},
    )
    return organisation


# --- users ------------------------------------------------------------------------------------


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
    username: str, email: str, first_name: str, last_name: str, roles: list[str]
) -> list[str]:
    """All problems at once (the form shows each); returns the roles, deduplicated."""
    errors: dict[str, list[str]] = {}
    chosen: list[str] = []
    try:
        chosen = _check_roles(roles)
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
    base_url: str,
    send_email: bool = True,
) -> User:
    """Create a member of ``organisation`` with no usable password and e-mail a set-password link.

    With ``send_email=False`` (the ``--print-link`` of the command line) no e-mail is sent; the
    caller shows ``set_password_link`` instead.
    """
    _require(actor, MANAGE_USERS, organisation)
    username, email = username.strip(), email.strip()
    first_name, last_name = first_name.strip(), last_name.strip()
    chosen = _validate_new_user(username, email, first_name, last_name, roles)
    user = User.objects.create_user(
        username=username, email=email, password=None, first_name=first_name, last_name=last_name
    )
    audit.record(
        action=AuditAction.CREATE,
        actor=actor,
        organisation_id=organisation.pk,
        object_type="user",
        object_id=user.pk,
        detail={"roles": chosen},
    )
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
    if send_email:
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
    (role,) = _check_roles([role], field="role")
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
    (role,) = _check_roles([role], field="role")
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
        audit.record(
            action=AuditAction.UPDATE,
            actor=actor,
            organisation_id=organisation.pk,
            object_type="user",
            object_id=user.pk,
            detail={"is_active": False},
        )
    _forget(user, actor)


@transaction.atomic
def user_reset_two_factor(*, actor: Actor, organisation: Organisation, user_id: int) -> int:
    """Delete the user's authenticator and recovery codes; they set up two-factor again.

    Returns the number of devices deleted. Sessions verified with a deleted device stop counting
    as verified.
    """
    user = selectors.access_managed_user(actor=actor, organisation=organisation, user_id=user_id)
    authenticators = TOTPDevice.objects.filter(user=user)
    recovery = StaticDevice.objects.filter(user=user)
    devices = authenticators.count() + recovery.count()
    authenticators.delete()
    recovery.delete()  # their codes go with them (cascade)
    audit.record(
        action=AuditAction.UPDATE,
        actor=actor,
        organisation_id=organisation.pk,
        object_type="user",
        object_id=user.pk,
        detail={"two_factor": "reset", "devices": devices},
    )
    return devices


@transaction.atomic
def user_unlock(*, actor: Actor, organisation: Organisation, user_id: int) -> int:
    """Lift a lock-out after failed sign-ins (django-axes); returns the attempts cleared."""
    user = selectors.access_managed_user(actor=actor, organisation=organisation, user_id=user_id)
    cleared = axes_reset(username=user.get_username())
    audit.record(
        action=AuditAction.UPDATE,
        actor=actor,
        organisation_id=organisation.pk,
        object_type="user",
        object_id=user.pk,
        detail={"unlock": cleared},
    )
    return cleared


# --- API tokens -------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(
    *,
    actor: Actor,
    organisation: Organisation,
    user_id: int,
    name: str,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token that acts as a member of ``organisation`` (typically a service account)
    within that organisation only. Returns the row and the full token, which is shown once.
    """
    _require(actor, MANAGE_TOKENS, organisation)
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name or len(name) > 100:
        errors["name"] = [_("Enter a name of at most 100 characters.")]
    user = (
        User.objects.filter(
            pk=user_id,
            is_active=True,
            memberships__organisation=organisation,
            memberships__is_active=True,
        )
        .distinct()
        .first()
    )
    if user is None:
        errors["user"] = [_("Choose a member of the organisation for the token to act as.")]
    if expires_in_days is not None and not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        errors["expires_in_days"] = [
            _("Enter a number of days between 1 and %(max)s, or leave it empty.")
            % {"max": TOKEN_MAX_DAYS}
        ]
    if errors or user is None:
        raise InvalidInput(errors)
    now = clock.now()
    full, prefix, secret_hash = new_token_material()
    token = ApiToken.objects.create(
        organisation=organisation,
        user=user,
        name=name,
        prefix=prefix,
        secret_hash=secret_hash,
        created_at=now,
        created_by=_account(actor),
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    audit.record(
        action=AuditAction.TOKEN_CREATE,
        actor=actor,
        organisation_id=organisation.pk,
        object_type="apitoken",
        object_id=token.pk,
        detail={"user": user.pk, "expires_in_days": expires_in_days},
    )
    return token, full


@transaction.atomic
def api_token_revoke(*, actor: Actor, organisation: Organisation, token_id: int) -> ApiToken:
    """Revoke a token of ``organisation`` at once; it can never be used again."""
    _require(actor, MANAGE_TOKENS, organisation)
    token = (
        ApiToken.objects.select_for_update().filter(pk=token_id, organisation=organisation).first()
    )
    if token is None:
        raise NotFoundOrForbidden
    if token.revoked_at is not None:
        raise InvalidInput({"token": [_("This token has already been revoked.")]})
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        action=AuditAction.TOKEN_REVOKE,
        actor=actor,
        organisation_id=organisation.pk,
        object_type="apitoken",
        object_id=token.pk,
    )
    return token
