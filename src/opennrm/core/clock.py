"""The one clock: every 'now' in OpenNRM comes from here, so tests can move time."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def now_to_the_hour() -> datetime:
    """Now, without minutes and seconds: for records that must not pinpoint a moment."""
    return now().replace(minute=0, second=0, microsecond=0)
