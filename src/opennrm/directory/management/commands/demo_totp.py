from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opennrm.directory import demo


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo user (only when OPENNRM_DEMO=1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            code = demo.current_code(options["username"])
        except demo.DemoRefused as exc:
            raise CommandError(f"Refused: {exc}") from exc
        self.stdout.write(code)
