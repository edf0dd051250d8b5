"""``opennrm plans import FILE`` (a plan file, YAML or CSV) or ``opennrm plans import --shipped``
(the plans that come with OpenNRM). All-or-nothing: a file with a mistake imports nothing and
every mistake is printed with its row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opennrm.plans import planfiles, services


class Command(BaseCommand):
    help = "Import an action plan from a YAML or CSV file, or the shipped plans (--shipped)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the plan file (.yaml, .yml or .csv)")
        parser.add_argument("--shipped", action="store_true", help="import the shipped plans")

    def handle(
        self, *args: Any, file: str | None = None, shipped: bool = False, **options: Any
    ) -> None:
        if shipped:
            added = services.import_shipped()
            self.stdout.write(f"{len(added)} shipped plan(s) imported: {', '.join(added) or '-'}")
            return
        if not file:
            raise CommandError("give a plan file, or --shipped")
        path = Path(file)
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path.name}: {exc.__class__.__name__}") from None
        try:
            plan = services.plan_import(actor=None, content=content, name=path.name)
        except planfiles.PlanFileError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} mistake(s): nothing was imported") from None
        self.stdout.write(f"plan {plan.code} imported: {plan.measures.count()} measures")
