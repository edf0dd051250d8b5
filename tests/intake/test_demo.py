"""Demo signals: loaded once with the demo data and visible in the demo coordinator's queue."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from opennrm.directory.models import User
from opennrm.intake import selectors
from opennrm.intake.models import Screening, Signal


def test_demo_load_adds_signals_once(db: Any, settings: Any) -> None:
    settings.OPENNRM_DEMO = True
    out = StringIO()
    call_command("demo_load", stdout=out)
    assert "2 new signals" in out.getvalue()
    call_command("demo_load", stdout=StringIO())
    assert Signal.objects.count() == 2
    assert Screening.objects.get().level == "strong_signs"
    cora = User.objects.get(username="demo-coordinator")
    queue = selectors.triage_queue(actor=cora)
    assert len(queue) == 2 and queue[0].acute  # acute first
