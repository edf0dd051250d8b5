"""Sign-in, sign-out and two-factor authentication (TOTP plus single-use recovery codes).

Every outcome that matters to an auditor is written to the audit trail: sign-in, refused sign-in,
lock-out, sign-out, two-factor set-up, wrong codes and the use of a recovery code. Secrets (the
password, the TOTP key, codes) are never written to the trail, to logs or to the session.

``RequireTwoFactorMiddleware`` sends users of roles that see personal data here until they have
verified a second factor in the current session.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from opennrm.directory import services, twofactor
from opennrm.directory.auth_forms import LoginForm, TotpSetupForm, VerifyForm
from opennrm.directory.services.auth import totp_device_start

# The id (never the key) of the TOTP device this session's set-up page showed.
TOTP_SETUP_SESSION_KEY = "onrm_totp_setup"

# --- helpers ----------------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` address from the form or the query, if it stays on this site; else ''."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _home() -> str:
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _second_factor_url(user: Any, next_url: str) -> str:
    target = "two_factor_verify" if twofactor.has_totp(user) else "two_factor_setup"
    return _with_next(target, next_url)


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a code: the device that accepted it, or how long to wait."""

    device: Device | None
    wait_seconds: int = 0


def _check_code(user: Any, devices: list[Device], code: str) -> CodeCheck:
    """Try ``code`` on each device, respecting django-otp's throttling of failures.

    Codes are checked against specific devices (not ``django_otp.match_token``) so that a
    recovery code does not count as a wrong TOTP code and the other way round.
    """
    wait = 0
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if not allowed:
            locked_until = (data or {}).get("locked_until")
            remaining = (locked_until - timezone.now()).total_seconds() if locked_until else 1
            wait = max(wait, int(remaining) + 1)
            continue
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return CodeCheck(verified)
    return CodeCheck(None, wait)


def _code_error(check: CodeCheck) -> str:
    if check.wait_seconds:
        return ngettext(
            "You have entered too many incorrect codes. Wait %(seconds)d second, then try again",
            "You have entered too many incorrect codes. Wait %(seconds)d seconds, then try again",
            check.wait_seconds,
        ) % {"seconds": check.wait_seconds}
    return _("The code is not correct. Check your app and enter the code it shows now")


def _qr_svg(url: str) -> SafeString:
    """The provisioning address as an inline SVG QR code (no script, no style attribute)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=4,
        omitsize=True,
        svgclass="onrm-qr__code",
        title=_("QR code for your authenticator app"),
    )
    # segno builds the markup itself and escapes the title; the URL is encoded as modules.
    return mark_safe(svg)  # noqa: S308


# --- views ------------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or _home())
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            user = form.get_user()
            services.login_succeeded(request=request, user=user)
            if twofactor.requires_two_factor(user):
                return redirect(_second_factor_url(user, next_url))
            return redirect(next_url or _home())
        if form.attempted:
            services.login_refused(request=request, username=form.attempted_username)
    return render(request, "registration/login.html", {"form": form, "next": next_url})


@require_POST
@csrf_protect
@never_cache
def logout_view(request: HttpRequest) -> HttpResponseRedirect:
    services.logout_performed(request=request)
    messages.success(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@sensitive_post_parameters("code")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    next_url = _safe_next(request)
    if twofactor.has_totp(user):
        # A second device is never added without proving the first one.
        if not user.is_verified():
            return redirect(_with_next("two_factor_verify", next_url))
        messages.info(request, _("Two-factor authentication is already set up for you."))
        return redirect("two_factor_recovery")
    form = TotpSetupForm(request.POST if request.method == "POST" else None)
    device: TOTPDevice | None = None
    verified: Device | None = None
    if request.method == "POST":
        with transaction.atomic():
            # Only the device started by this session's own set-up page can be confirmed.
            device = (
                TOTPDevice.objects.select_for_update()
                .filter(pk=request.session.get(TOTP_SETUP_SESSION_KEY), user=user, confirmed=False)
                .first()
            )
            if device is not None and form.is_valid():
                check = _check_code(user, [device], form.cleaned_data["code"])
                if check.device is None:
                    services.otp_failure_record(
                        actor=user, stage="setup", throttled=bool(check.wait_seconds)
                    )
                    form.add_error("code", _code_error(check))
                else:
                    verified = check.device
                    codes = services.totp_device_confirm(actor=user, device=device)
        if verified is not None:
            request.session.pop(TOTP_SETUP_SESSION_KEY, None)
            django_otp.login(request, verified)
            request.session.cycle_key()
            return render(
                request,
                "two_factor/recovery_codes.html",
                {"codes": codes, "continue_url": next_url or _home(), "after_setup": True},
            )
        if device is None:
            # The session lost its set-up, or another session started a new one since.
            form.is_valid()
            form.add_error("code", _("The set-up was restarted; scan the new code"))
    if device is None:
        device = totp_device_start(actor=user)
        request.session[TOTP_SETUP_SESSION_KEY] = device.pk
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": _qr_svg(device.config_url),
        "secret": b32encode(device.bin_key).decode("ascii"),
    }
    return render(request, "two_factor/setup.html", context)


@sensitive_post_parameters("code")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    next_url = _safe_next(request)
    if user.is_verified():
        return redirect(next_url or _home())
    if not twofactor.has_totp(user):
        return redirect(_with_next("two_factor_setup", next_url))
    form = VerifyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device_model = TOTPDevice if form.is_totp else StaticDevice
        devices = list(device_model.objects.devices_for_user(user, confirmed=True))
        with transaction.atomic():
            check = _check_code(user, devices, form.cleaned_data["code"])
            remaining = 0
            if check.device is None:
                services.otp_failure_record(
                    actor=user, stage="verify", throttled=bool(check.wait_seconds)
                )
            elif isinstance(check.device, StaticDevice):
                remaining = services.recovery_code_used(actor=user, device=check.device)
        if check.device is not None:
            django_otp.login(request, check.device)
            request.session.cycle_key()
            if isinstance(check.device, StaticDevice):
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code. You have %(count)d recovery code left.",
                        "You used a recovery code. You have %(count)d recovery codes left.",
                        remaining,
                    )
                    % {"count": remaining},
                )
            return redirect(next_url or _home())
        form.add_error("code", _code_error(check))
    return render(request, "two_factor/verify.html", {"form": form, "next": next_url})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_recovery(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not twofactor.has_totp(user):
        return redirect("two_factor_setup")
    if not user.is_verified():
        return redirect(_with_next("two_factor_verify", reverse("two_factor_recovery")))
    if request.method == "POST":
        codes = services.recovery_codes_regenerate(actor=user)
        return render(
            request,
            "two_factor/recovery_codes.html",
            {"codes": codes, "continue_url": reverse("two_factor_recovery"), "after_setup": False},
        )
    remaining = twofactor.remaining_recovery_codes(user)
    return render(request, "two_factor/recovery.html", {"remaining": remaining})
