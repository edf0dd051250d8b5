"""API tokens: issued and revoked by those who manage an organisation's tokens."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from opennrm.core import audit, clock
from opennrm.core.errors import InvalidInput, NotFoundOrForbidden
from opennrm.core.models import AuditAction
from opennrm.directory.api_auth import new_token_material
from opennrm.directory.models import ApiToken, Organisation, User
from opennrm.directory.roles import MANAGE_TOKENS
from opennrm.directory.services._common import Actor, _account, _require

TOKEN_MAX_DAYS = 3650


@transaction.atomic
def api_token_create(
    *,
    actor: Actor,
    organisation: Organisation,
    user_id: int,
    name: str,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token that acts as a service account of ``organisation``, within that
    organisation only. Returns the row and the full token, which is shown once.

    A token never acts as a person: their access needs two-factor, which a bearer token would
    bypass. A demo account is accepted only while ``OPENNRM_DEMO`` is on.
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
            is_service_account=True,
            memberships__organisation=organisation,
            memberships__is_active=True,
        )
        .distinct()
        .first()
    )
    if user is not None and user.is_demo and not settings.OPENNRM_DEMO:
        user = None
    if user is None:
        errors["user"] = [
            _(
                "Choose a service account of the organisation for the token to act as. "
                "Operators create them with: opennrm user create --service-account"
            )
        ]
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
