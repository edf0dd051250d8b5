"""A person signs in with password and TOTP in a real headless Chromium, by keyboard alone.

Also checks every page on the way with axe-core (no serious or critical violations) and that the
strict Content-Security-Policy leaves the page free of console errors.
"""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest
from django_otp.oath import totp

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def totp_now(secret_b32: str) -> str:
    key = base64.b32decode(secret_b32.replace(" ", "").upper() + "=" * (-len(secret_b32) % 8))
    return f"{totp(key, step=30, t0=0, digits=6, drift=0):06d}"


def tab_to(page: Any, name: str, limit: int = 25) -> None:
    """Press Tab until the control named ``name`` has focus (proves it is keyboard-reachable)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == name:
            return
    raise AssertionError(f"control {name!r} not reachable by keyboard")


def test_case_worker_signs_in_with_two_factor_by_keyboard(live_server: Any, page: Any) -> None:
    from tests.browser.conftest import serious_violations

    org = factories.organisation("shelter-a", kind="shelter_ngo", country="NL")
    factories.user("alice", org, "case_worker")
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

    page.goto(f"{live_server.url}/")
    assert "/account/login/" in page.url
    assert serious_violations(page) == []

    tab_to(page, "username")
    page.keyboard.type("alice")
    tab_to(page, "password")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/account/two-factor/setup/"))
    assert page.locator("svg").first.is_visible()  # the QR code
    assert serious_violations(page) == []
    page.locator("summary").first.click()  # open "I cannot scan the QR code"
    secret = (page.locator("#totp-secret").text_content() or "").strip()
    assert len(secret) >= 16
    code = totp_now(secret)
    tab_to(page, "code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")

    page.wait_for_selector("text=recovery", timeout=10_000)
    codes = page.locator(".onrm-codes li")
    assert codes.count() == 10
    assert serious_violations(page) == []
    page.get_by_role("button", name=re.compile("continue", re.I)).click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Home"
    assert page.get_by_role("link", name="Find a person").is_visible()
    assert serious_violations(page) == []
    assert console_errors == []


def test_wrong_code_shows_an_error_summary_linked_to_the_field(live_server: Any, page: Any) -> None:
    org = factories.organisation("shelter-a", kind="shelter_ngo", country="NL")
    factories.user("bob", org, "case_worker")
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/account/two-factor/setup/"))
    page.get_by_label(re.compile("Code from your authenticator app")).fill("000000")
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    # GOV.UK Frontend moves focus to the error summary so screen readers announce it.
    time.sleep(0.2)
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    link = summary.locator("a").first
    assert link.get_attribute("href") == "#id_code"
