"""``opennrm plans remind``: remind the lead organisations of measures due within 30 days, and
of overdue ones (each once). Idempotent; run daily (docs/operator-guide.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from opennrm.plans import services


class Command(BaseCommand):
    help = "Remind lead organisations of action-plan measures due soon or overdue (once each)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = services.send_reminders()
        self.stdout.write(f"{sent} measure reminder(s) sent")
