"""Forms of the sign-in flows: password, two-factor set-up and two-factor verification.

The forms validate input only; the views record audit events and change sessions.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# Shown for every refused password sign-in: it never tells whether the account exists.
INVALID_LOGIN = _("Enter a correct username and password")

_SPACES = re.compile(r"[\s-]+")
_TOTP = re.compile(r"^\d{6}$")


def normalise_code(raw: str) -> str:
    """Codes as people type them: spaces and hyphens dropped, letters in lower case."""
    return _SPACES.sub("", raw).lower()


class LoginForm(forms.Form):
    """Username and password, checked through ``authenticate`` so django-axes counts failures.

    The field names are the ones django-axes reads (and masks) from the POST data.
    """

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        error_messages={"required": _("Enter your username")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=1024,
        error_messages={"required": _("Enter your password")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user_cache: Any = None
        self.attempted = False
        self.attempted_username = ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        username, password = cleaned.get("username"), cleaned.get("password")
        if username and password:
            self.attempted, self.attempted_username = True, username
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                self.add_error("username", INVALID_LOGIN)
        return cleaned

    def get_user(self) -> Any:
        return self.user_cache


class TotpSetupForm(forms.Form):
    """The first code from the authenticator app, proving it holds the new secret."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("The 6-digit code the app shows now, for example 123456."),
        max_length=20,
        error_messages={"required": _("Enter the 6-digit code from your authenticator app")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not _TOTP.match(code):
            raise forms.ValidationError(
                _("Enter the code as 6 digits, for example 123456"), code="format"
            )
        return code


class VerifyForm(forms.Form):
    """A code from the authenticator app, or one of the user's recovery codes."""

    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        help_text=_(
            "Enter the 6-digit code your app shows now. If you cannot use the app, enter one "
            "of your recovery codes: each works only once."
        ),
        max_length=40,
        error_messages={"required": _("Enter a code from your authenticator app")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(
                _("Enter a code from your authenticator app"), code="required"
            )
        return code

    @property
    def is_totp(self) -> bool:
        return bool(_TOTP.match(self.cleaned_data.get("code", "")))
