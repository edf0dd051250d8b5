"""``opennrm audit verify``: walk the audit trail's hash chain and report the first break."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from opennrm.core.audit import verify_chain


class Command(BaseCommand):
    help = (
        "Check the hash chain of the audit trail from the first event to the chain head. "
        "Exit status 0 when intact; 1 with the position of the first altered, missing or "
        "trailing-deleted event otherwise."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if not result.ok:
            raise CommandError(
                f"audit chain broken at event #{result.broken_at}: {result.reason} "
                f"({result.checked} events before it are intact)",
                returncode=1,
            )
        self.stdout.write(f"audit chain intact: {result.checked} events")
