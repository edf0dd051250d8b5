"""Enforces two-factor authentication for roles that can see personal data."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from opennrm.directory import twofactor

# Paths a signed-in but not yet verified user may reach.
_OPEN_PREFIXES = ("/account/two-factor/", "/account/logout/", "/static/", "/i18n/", "/healthz")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and not user.is_verified()  # type: ignore[attr-defined]
            and twofactor.requires_two_factor(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Two-factor verification required"}, status=401)
            target = reverse(
                "two_factor_verify" if twofactor.has_totp(user) else "two_factor_setup"
            )
            if request.method == "GET" and request.path != "/":  # come back here once verified
                target = f"{target}?{urlencode({'next': request.get_full_path()})}"
            return redirect(target)
        return self.get_response(request)
