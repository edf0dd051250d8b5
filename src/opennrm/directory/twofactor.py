"""Two-factor policy and devices: TOTP (django-otp) plus single-use recovery codes."""

from __future__ import annotations

from typing import Any

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.directory.backends import memberships_of
from opennrm.directory.roles import ROLES_REQUIRING_2FA

RECOVERY_DEVICE = "recovery"
RECOVERY_CODES = 10


def requires_two_factor(user: Any) -> bool:
    """True when any active role of the user can see personal data, or the user enrolled."""
    if not user.is_authenticated:
        return False
    if any(role in ROLES_REQUIRING_2FA for _org, role in memberships_of(user)):
        return True
    return has_totp(user)


def has_totp(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def issue_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes with a fresh set and return them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def remaining_recovery_codes(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE).count()
