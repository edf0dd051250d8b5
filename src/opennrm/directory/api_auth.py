"""API authentication: hashed, organisation-scoped, revocable bearer tokens, and sessions.

A token looks like ``onrm_<prefix>_<secret>``. Only SHA-256(secret) is stored; the prefix finds
the row, and the hashes are compared in constant time. Each use and each rejection is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from opennrm.core import audit, clock, context, ratelimit
from opennrm.core.models import AuditAction
from opennrm.directory import twofactor
from opennrm.directory.models import ApiToken

TOKEN_PREFIX = "onrm"  # noqa: S105  (a marker, not a secret)


def new_token_material() -> tuple[str, str, str]:
    """(full token, prefix, sha256 of the secret)."""
    prefix = secrets.token_hex(5)
    secret = secrets.token_urlsafe(32)
    return f"{TOKEN_PREFIX}_{prefix}_{secret}", prefix, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(raw: str) -> tuple[str, str] | None:
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def authenticate_token(raw: str) -> ApiToken | None:
    parsed = parse_token(raw.strip())
    token = None
    if parsed is not None:
        prefix, secret = parsed
        token = (
            ApiToken.objects.select_related("user", "organisation").filter(prefix=prefix).first()
        )
        if token is not None and not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
            token = None
    now = clock.now()
    usable = (
        token is not None
        and token.revoked_at is None
        and (token.expires_at is None or token.expires_at > now)
        and token.user.is_active
        and (settings.OPENNRM_DEMO or not token.user.is_demo)
        and token.organisation.is_active
    )
    if not usable or token is None:
        _audit_rejection(token)
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def _audit_rejection(token: ApiToken | None) -> None:
    """Audit a rejected token, at most ``OPENNRM_REJECTED_TOKENS_AUDITED_PER_HOUR`` times per
    client and hour; the first one over the limit says that further ones go unrecorded, so a
    flood of bad tokens cannot fill the audit trail."""
    limit = settings.OPENNRM_REJECTED_TOKENS_AUDITED_PER_HOUR
    count = ratelimit.attempts("token_rejected", context.current().client_ip)
    if count > limit + 1:
        return
    audit.record(
        action=AuditAction.TOKEN_REJECTED,
        actor_label="api client",
        object_type="apitoken",
        object_id=token.pk if token is not None else "",
        detail={"further_rejections_unrecorded_this_hour": True} if count > limit else None,
    )


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = authenticate_token(token)
        if api_token is None:
            return None
        user = api_token.user
        user.api_token = api_token  # type: ignore[attr-defined]  # confines permissions to the token's organisation
        request.user = user
        context.bind_api_token(api_token.pk)
        audit.record(
            action=AuditAction.TOKEN_USE,
            actor=user,
            organisation_id=api_token.organisation_id,
            object_type="apitoken",
            object_id=api_token.pk,
            detail={
                "method": request.method,
                "endpoint": request.resolver_match.route if request.resolver_match else "",
                "issued_by": api_token.created_by_id,
            },
        )
        return api_token


class VerifiedSessionAuth(APIKeyCookie):
    """A signed-in browser session, two-factor verified where the role needs it; CSRF checked."""

    param_name = "opennrm_session"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if twofactor.requires_two_factor(user) and not user.is_verified():
            return None
        return user
