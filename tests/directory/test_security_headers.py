"""Security headers and cookies of the sign-in page, and what the settings module produces."""

from __future__ import annotations

import importlib.util
import types
from typing import Any

import pytest
from django.test import Client

from opennrm.config import settings as settings_module
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"


def test_login_page_sends_the_security_headers() -> None:
    response = Client().get(LOGIN)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert "Strict-Transport-Security" not in response  # plain HTTP in development


def test_two_factor_pages_are_not_cached(alice: Any) -> None:
    client = Client()
    client.post(LOGIN, {"username": "alice", "password": PASSWORD})
    response = client.get("/account/two-factor/setup/")
    assert "no-store" in response["Cache-Control"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_cookies_are_http_only_and_same_site(dave: Any) -> None:
    client = Client()
    csrf = client.get(LOGIN).cookies["opennrm_csrf"]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"
    response = client.post(LOGIN, {"username": "dave", "password": PASSWORD})
    session = response.cookies["opennrm_session"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"
    assert not session["max-age"]  # ends with the browser; the server ends it when idle


def load_settings(monkeypatch: Any, tmp_path: Any, **env: str) -> types.ModuleType:
    """Import a fresh copy of the settings module under the given environment."""
    for name in list(settings_module.ENV):
        if name.startswith("OPENNRM_") or name in ("ALLOWED_HOSTS", "DATABASE_URL"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENNRM_VAR_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_under_test", settings_module.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_settings_turn_on_https_protection_when_asked(monkeypatch: Any, tmp_path: Any) -> None:
    plain = load_settings(monkeypatch, tmp_path)
    assert plain.SECURE_HSTS_SECONDS == 0
    assert plain.SESSION_COOKIE_SECURE is False
    https = load_settings(monkeypatch, tmp_path, OPENNRM_HTTPS="1")
    assert https.SECURE_SSL_REDIRECT is True
    assert https.SECURE_HSTS_SECONDS >= 31536000
    assert https.SESSION_COOKIE_SECURE is True
    assert https.CSRF_COOKIE_SECURE is True
    assert https.LANGUAGE_COOKIE_SECURE is True


def test_production_settings_default_to_https(monkeypatch: Any, tmp_path: Any) -> None:
    key = "A" * 43
    production = load_settings(
        monkeypatch,
        tmp_path,
        OPENNRM_ENV="production",
        OPENNRM_SECRET_KEY="s" * 50,
        OPENNRM_DATA_KEYS=f"k1:{key}",
        OPENNRM_INDEX_KEY=key,
        ALLOWED_HOSTS="nrm.example.org",
        OPENNRM_EMAIL_HOST="smtp.example.org",
        OPENNRM_BASE_URL="https://nrm.example.org",
    )
    assert production.SECURE_SSL_REDIRECT is True
    assert production.SECURE_HSTS_SECONDS >= 31536000
    assert production.SESSION_COOKIE_SECURE is True
    assert production.DEBUG is False


def test_https_responses_carry_hsts_and_secure_cookies(
    monkeypatch: Any, tmp_path: Any, settings: Any, dave: Any
) -> None:
    https = load_settings(monkeypatch, tmp_path, OPENNRM_HTTPS="1")
    for name in (
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ):
        setattr(settings, name, getattr(https, name))
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks HTTPS itself (secure=True)
    client = Client()
    page = client.get(LOGIN, secure=True)
    assert "max-age=31536000" in page["Strict-Transport-Security"]
    assert "includeSubDomains" in page["Strict-Transport-Security"]
    assert page.cookies["opennrm_csrf"]["secure"]
    token = page.cookies["opennrm_csrf"].value
    response = client.post(
        LOGIN,
        {"username": "dave", "password": PASSWORD, "csrfmiddlewaretoken": token},
        secure=True,
    )
    assert response.status_code == 302
    assert response.cookies["opennrm_session"]["secure"]


def test_http_is_redirected_to_https_when_configured(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get(LOGIN)
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
