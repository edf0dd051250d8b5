"""``opennrm cases remind``: remind case owners of the deadlines coming up.

Run it daily, or more often (cron or a systemd timer: docs/operator-guide.md), or let it loop
with ``--every SECONDS``. It is idempotent and safe to run on several machines at once: each
reminder is claimed by exactly one run (``deadlines.send_reminders``).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opennrm.cases import deadlines


class Command(BaseCommand):
    help = "Put a reminder in the inbox of the owner of every case deadline whose reminder is due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running, checking every SECONDS (at least 60); default: run once.",
        )

    def handle(self, *args: Any, every: int = 0, **options: Any) -> None:
        if every and every < 60:
            self.stderr.write("--every must be at least 60 seconds")
            raise SystemExit(2)
        while True:
            sent = deadlines.send_reminders()
            # A count only: references and names stay out of logs.
            self.stdout.write(f"{sent} reminder(s) sent")
            if not every:
                return
            time.sleep(every)
