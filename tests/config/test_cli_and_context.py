from __future__ import annotations

from django.test import RequestFactory, override_settings

from opennrm.cli import translate
from opennrm.core import context


def test_cli_maps_readable_names_to_management_commands() -> None:
    assert translate(["audit", "verify"]) == ["audit_verify"]
    assert translate(["demo", "load"]) == ["demo_load"]
    assert translate(["rotate-keys", "--check"]) == ["rotate_keys", "--check"]
    assert translate(["migrate", "--noinput"]) == ["migrate", "--noinput"]
    assert translate([]) == []


def test_client_address_ignores_forwarded_header_without_trusted_proxy() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert context.client_ip_of(request) == "10.0.0.9"


@override_settings(OPENNRM_TRUSTED_PROXIES=1)
def test_client_address_from_one_trusted_proxy() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    assert context.client_ip_of(request) == "198.51.100.7"


def test_request_id_accepts_only_safe_values() -> None:
    good = RequestFactory().get("/", HTTP_X_REQUEST_ID="abc-123_XYZ.9")
    assert context.request_id_of(good) == "abc-123_XYZ.9"
    bad = RequestFactory().get("/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert context.request_id_of(bad) != "<script>alert(1)</script>"
    assert len(context.request_id_of(bad)) == 32
