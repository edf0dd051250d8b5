"""``opennrm cases extract [--country CC] [--out FILE]``: the statistical extract of the case
files as CSV (docs/data-dictionary.md, "Registrations"): nothing in it identifies a person."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opennrm.cases import statistics
from opennrm.core import audit
from opennrm.core.models import AuditAction


class Command(BaseCommand):
    help = "Write the statistical extract of the case files (no identifying columns) as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country", default="", help="Only the case files of this country.")
        parser.add_argument("--out", default="", help="Write to this file (default: stdout).")

    def handle(self, *args: Any, country: str = "", out: str = "", **options: Any) -> None:
        rows = list(statistics.registrations(jurisdiction=country.upper() or None))
        text = statistics.to_csv(rows)
        audit.record(
            action=AuditAction.EXPORT,
            actor_label="cli",
            object_type="case_extract",
            purpose="statistics",
            detail={"country": country.upper(), "rows": len(rows)},
        )
        if out:
            # Owner-only from the start: the extract is pseudonymised, not anonymous.
            descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"{len(rows)} row(s) written")
        else:
            self.stdout.write(text, ending="")
