"""Sign-in and two-factor writes: one service per use case, each auditing in its transaction.

The views in ``auth_views`` handle the HTTP side (forms, redirects, checking codes) and call these
for the writes. Secrets (the password, the TOTP key, codes) are never written to the trail.
"""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.core import audit
from opennrm.core.models import AuditAction
from opennrm.directory import twofactor

UNKNOWN_USER = "unknown user"


def login_succeeded(*, request: HttpRequest, user: Any) -> None:
    """Start the session of ``user`` (Django rotates the session key) and record it."""
    # A second factor verified earlier in this browser session never carries over a sign-in.
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    with transaction.atomic():
        auth_login(request, user)
        audit.record(
            action=AuditAction.LOGIN,
            actor=user,
            detail={"two_factor": "pending" if twofactor.requires_two_factor(user) else "no"},
        )


def login_refused(*, request: HttpRequest, username: str) -> None:
    """Record a refused sign-in: the account if it exists, never the typed name or password."""
    account = get_user_model()._default_manager.filter(username=username).first()
    locked = bool(getattr(request, "axes_locked_out", False))
    audit.record(
        action=AuditAction.LOCKOUT if locked else AuditAction.LOGIN_FAILED,
        actor=account,
        actor_label="" if account is not None else UNKNOWN_USER,
    )


def totp_device_start(*, actor: Any) -> TOTPDevice:
    """Begin a TOTP set-up: drop any unconfirmed device of ``actor`` and create a fresh one.

    Every set-up page gets its own new key, so a key seen earlier (in this or another session,
    say by someone who only knew the password) can never be the one that is later confirmed.
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
        return TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)


def totp_device_confirm(*, actor: Any, device: TOTPDevice) -> list[str]:
    """Confirm the device that accepted its first code; issue fresh recovery codes."""
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
        codes = twofactor.issue_recovery_codes(actor)
        audit.record(
            action=AuditAction.OTP_SETUP,
            actor=actor,
            object_type="otp_totp.totpdevice",
            object_id=device.pk,
            detail={"recovery_codes": len(codes)},
        )
    return codes


def recovery_codes_regenerate(*, actor: Any) -> list[str]:
    """Replace the recovery codes of ``actor``; the old ones stop working at once."""
    with transaction.atomic():
        codes = twofactor.issue_recovery_codes(actor)
        device = StaticDevice.objects.get(user=actor, name=twofactor.RECOVERY_DEVICE)
        audit.record(
            action=AuditAction.UPDATE,
            actor=actor,
            object_type="otp_static.staticdevice",
            object_id=device.pk,
            detail={"recovery_codes": len(codes)},
        )
    return codes


def logout_performed(*, request: HttpRequest) -> None:
    """Record the sign-out of the current user, then end the session."""
    user = request.user
    if user.is_authenticated:
        audit.record(action=AuditAction.LOGOUT, actor=user)
    auth_logout(request)


def otp_failure_record(*, actor: Any, stage: str, throttled: bool) -> None:
    """A wrong (or throttled) second-factor code, at set-up or at verification."""
    audit.record(
        action=AuditAction.OTP_FAILED,
        actor=actor,
        detail={"stage": stage, "throttled": throttled},
    )


def recovery_code_used(*, actor: Any, device: StaticDevice) -> int:
    """Record a sign-in with a recovery code (already consumed); returns the codes left."""
    remaining = twofactor.remaining_recovery_codes(actor)
    audit.record(
        action=AuditAction.RECOVERY_CODE_USED,
        actor=actor,
        object_type="otp_static.staticdevice",
        object_id=device.pk,
        detail={"remaining": remaining},
    )
    return remaining
