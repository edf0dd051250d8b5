"""The anonymous public report: no login, nothing identifying stored, abuse limited, no reads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from opennrm.core import references
from opennrm.core.models import AuditEvent
from opennrm.intake import services
from opennrm.intake.models import PublicReport, Signal, SignalAddition
from tests.cases.helpers import page_has, raw_dump
from tests.conftest import verified_client

WHAT = "Three women sleep in the back of the nail salon on Kerkstraat and never leave"
ADDRESS = "203.0.113.77"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def _report(client: Client, **overrides: Any) -> Any:
    data = {
        "what": WHAT,
        "where": "Kerkstraat, Tilburg",
        "when": "every night",
        "who": "",
        "minor": "no",
        "country": "NL",
    }
    data.update(overrides)
    return client.post(
        "/report/", data, REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="Mozilla/5.0 UniqueAgent/9.9"
    )


def _receipt(response: Any) -> tuple[str, str]:
    html = response.content.decode()
    code = re.search(r'id="reference-code">([A-Z0-9-]+)<', html)
    pin = re.search(r'id="pin">(\d{6})<', html)
    assert code is not None and pin is not None
    return code.group(1), pin.group(1)


def test_report_without_login_lands_in_the_coordinators_queue(centre: Any, cora: Any) -> None:
    response = _report(Client())
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    _receipt(response)  # a code and a PIN are shown
    signal = Signal.objects.get()
    assert (
        signal.source == "public" and signal.organisation == centre and signal.jurisdiction == "NL"
    )
    assert signal.population == "adult" and WHAT in signal.description
    assert signal.recorded_at.minute == 0 and signal.recorded_at.second == 0
    queue = verified_client(cora).get("/signals/triage/")
    assert page_has(queue, signal.reference)


def test_nothing_identifying_is_stored(centre: Any) -> None:
    code, pin = _receipt(_report(Client()))
    dump = raw_dump()
    for secret in (ADDRESS, "UniqueAgent", code, code.replace("-", ""), pin, "Kerkstraat"):
        assert secret not in dump, "the database holds something it must not"
    event = AuditEvent.objects.get(action="create", object_type="signal")
    assert event.client_ip == "" and event.actor_id is None and event.actor_label == "public"


def test_bad_input_shows_errors_and_saves_nothing(centre: Any) -> None:
    response = _report(Client(), what="", country="XX")
    assert response.status_code == 400
    assert page_has(response, 'href="#id_what"') and page_has(response, 'href="#id_country"')
    assert not Signal.objects.exists()


def test_honeypot_answers_like_success_and_stores_nothing(centre: Any) -> None:
    response = _report(Client(), website="http://spam.example")
    assert response.status_code == 200 and page_has(response, 'id="reference-code"')
    assert not Signal.objects.exists() and not PublicReport.objects.exists()


def test_rate_limit_per_client_per_hour(centre: Any, settings: Any) -> None:
    settings.OPENNRM_PUBLIC_REPORTS_PER_HOUR = 2
    client = Client()
    assert _report(client).status_code == 200
    assert _report(client).status_code == 200
    assert _report(client).status_code == 429
    assert Signal.objects.count() == 2
    other = Client().post(
        "/report/", {"what": WHAT, "country": "NL", "minor": "unknown"}, REMOTE_ADDR="198.51.100.4"
    )
    assert other.status_code == 200  # another client is not affected
    assert not any(ADDRESS in str(key) for key in getattr(cache, "_cache", {}))


def test_reporter_adds_information_with_code_and_pin(centre: Any, cora: Any) -> None:
    code, pin = _receipt(_report(Client()))
    signal = Signal.objects.get()
    from opennrm.intake import services as intake_services

    intake_services.signal_dismiss(
        actor=cora, signal_id=signal.pk, expected_version=signal.version, reason="insufficient"
    )
    response = Client().post(
        "/report/add/",
        {"code": code.lower(), "pin": pin, "text": "They were moved to a van today"},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 200 and page_has(response, "govuk-panel--confirmation")
    signal.refresh_from_db()
    assert signal.has_new_information and signal.triage_status == "new"  # back in the queue
    assert SignalAddition.objects.get().text == "They were moved to a van today"
    assert not page_has(response, WHAT)  # nothing is read back


def test_wrong_pin_is_refused_and_locks_after_five(centre: Any) -> None:
    code, pin = _receipt(_report(Client()))
    wrong = f"{(int(pin) + 1) % 10**6:06d}"
    for _attempt in range(5):
        assert not services.public_report_add(code=code, pin=wrong, text="more")
    assert not services.public_report_add(code=code, pin=pin, text="more")  # locked for an hour
    assert not SignalAddition.objects.exists()
    assert not services.public_report_add(code="NOPE-NOPE-NOPE", pin=pin, text="more")
    response = Client().post(
        "/report/add/", {"code": code, "pin": wrong, "text": "x"}, REMOTE_ADDR="192.0.2.9"
    )
    assert response.status_code == 400 and not page_has(response, WHAT)


def test_follow_up_attempts_are_rate_limited(centre: Any, settings: Any) -> None:
    settings.OPENNRM_PUBLIC_FOLLOWUPS_PER_HOUR = 3
    client = Client()
    for _attempt in range(3):
        assert (
            client.post(
                "/report/add/",
                {"code": "AAAA-BBBB-CCCC", "pin": "000000", "text": "x"},
                REMOTE_ADDR=ADDRESS,
            ).status_code
            == 400
        )
    assert (
        client.post(
            "/report/add/",
            {"code": "AAAA-BBBB-CCCC", "pin": "000000", "text": "x"},
            REMOTE_ADDR=ADDRESS,
        ).status_code
        == 429
    )


def test_public_pages_are_offered_in_five_languages(centre: Any) -> None:
    client = Client()
    for language, phrase in (
        ("nl", "Een situatie anoniem melden"),
        ("fr", "Signaler une situation de manière anonyme"),
        ("ro", "Semnalați anonim o situație"),
        ("bg", "Подайте анонимен сигнал"),
    ):
        client.cookies["opennrm_language"] = language
        response = client.get("/report/")
        assert response.status_code == 200
        assert page_has(response, f'lang="{language}"')
        assert page_has(response, phrase), language
    for language in ("en", "nl", "fr", "ro", "bg"):
        assert page_has(response, f'<option value="{language}"')


def test_no_report_when_the_country_has_no_coordination_centre(db: Any) -> None:
    response = _report(Client())
    assert response.status_code == 400
    assert not Signal.objects.exists()


def test_the_public_channel_keeps_hours_not_minutes_and_no_request_id(
    centre: Any, cora: Any
) -> None:
    import datetime

    import time_machine

    moment = datetime.datetime(2026, 3, 4, 21, 47, 13, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False):
        code, pin = _receipt(
            Client().post(
                "/report/",
                {"what": WHAT, "country": "NL", "minor": "unknown"},
                REMOTE_ADDR=ADDRESS,
                HTTP_X_REQUEST_ID="reporter-chosen-id-123",
            )
        )
        assert services.public_report_add(code=code, pin=pin, text="and more")
    signal = Signal.objects.get()
    hour = moment.replace(minute=0, second=0)
    assert signal.recorded_at == hour and signal.updated_at == hour
    assert SignalAddition.objects.get().created_at == hour
    for event in AuditEvent.objects.filter(actor_label="public"):
        assert event.occurred_at == hour and event.request_id == "" and event.client_ip == ""


def test_a_dismissed_report_that_gets_new_information_returns_without_its_old_reason(
    centre: Any, cora: Any
) -> None:
    code, pin = _receipt(_report(Client()))
    signal = Signal.objects.get()
    services.signal_dismiss(
        actor=cora, signal_id=signal.pk, expected_version=signal.version, reason="insufficient"
    )
    assert services.public_report_add(code=code, pin=pin, text="They are still there")
    signal.refresh_from_db()
    assert (signal.triage_status, signal.dismiss_reason, signal.has_new_information) == (
        "new",
        "",
        True,
    )


def test_the_honeypot_receipt_looks_like_a_real_one(centre: Any) -> None:
    fake_code, fake_pin = _receipt(_report(Client(), website="x"))
    real_code, real_pin = _receipt(_report(Client()))
    alphabet = set(references.ALPHABET + "-")
    assert set(fake_code) <= alphabet and set(real_code) <= alphabet
    assert len(fake_code) == len(real_code) and len(fake_pin) == len(real_pin) == 6


def _redis_answers() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379 (OPENNRM_CACHE_URL)")
def test_the_rate_limit_works_on_a_shared_redis_cache(settings: Any) -> None:
    from opennrm.core import ratelimit

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": f"opennrm-test-{id(settings)}",
        }
    }
    cache.clear()
    assert [ratelimit.hit("test", ADDRESS, 2) for _ in range(3)] == [True, True, False]
    assert ratelimit.hit("test", "198.51.100.4", 2)
    cache.clear()
