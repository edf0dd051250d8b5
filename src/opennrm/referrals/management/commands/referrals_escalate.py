"""``opennrm referrals escalate``: escalate the referrals nobody accepted in time.

Run it every few minutes (cron or a systemd timer: docs/operator-guide.md), or let it loop with
``--every SECONDS``. It is idempotent and safe to run on several machines at once: each overdue
referral is claimed by exactly one run (``services.escalate_overdue``).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opennrm.referrals import services


class Command(BaseCommand):
    help = "Escalate sent referrals not accepted by their deadline to the coordination centre."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running, checking every SECONDS (at least 10); default: run once.",
        )

    def handle(self, *args: Any, every: int = 0, **options: Any) -> None:
        if every and every < 10:
            self.stderr.write("--every must be at least 10 seconds")
            raise SystemExit(2)
        while True:
            run = services.escalate_overdue()
            # Counts only: references and organisations stay out of logs.
            self.stdout.write(f"{len(run.escalated)} referral(s) escalated ({run.due} due)")
            if not every:
                return
            time.sleep(every)
