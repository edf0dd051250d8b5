"""``opennrm cases retention``: anonymise the case files past their country's retention schedule.

Run it daily (cron or a systemd timer: docs/operator-guide.md). It is idempotent and safe to run
on several machines at once: each case is claimed by exactly one run (``retention.anonymise``).
``--dry-run`` counts without changing anything.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opennrm.cases import retention


class Command(BaseCommand):
    help = "Anonymise case files closed longer ago than the retention schedule of their country."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be anonymised; change nothing."
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        result = retention.run(dry_run=dry_run)
        # Counts only: references and names stay out of logs.
        verb = "would be anonymised" if dry_run else "anonymised"
        self.stdout.write(
            f"{result.anonymised} case file(s) {verb}; kept: {result.held} under a legal hold, "
            f"{result.proceedings} with open proceedings"
        )
