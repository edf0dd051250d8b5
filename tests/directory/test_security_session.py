"""Idle sessions expire: the age counts from the last request (sliding expiry)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.conftest import verified_client

pytestmark = pytest.mark.django_db


def test_session_idle_settings_follow_the_idle_minutes() -> None:
    assert settings.SESSION_COOKIE_AGE == settings.OPENNRM_SESSION_IDLE_MINUTES * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_idle_session_expires_after_the_idle_time(alice: Any) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = verified_client(alice)
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=settings.OPENNRM_SESSION_IDLE_MINUTES + 1))
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_keeps_the_session_alive(alice: Any) -> None:
    idle = settings.OPENNRM_SESSION_IDLE_MINUTES
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = verified_client(alice)
        assert client.get("/").status_code == 200
        for _ in range(3):  # well past one idle period in total, never idle for that long
            traveller.shift(timedelta(minutes=idle - 1))
            assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=idle + 1))
        assert client.get("/").status_code == 302
