"""The one clock: every 'now' in OpenNRM comes from here, so tests can move time."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
