from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opennrm.directory import services
from opennrm.directory.management.commands._common import cli_errors, operator


class Command(BaseCommand):
    help = (
        "Change the region an organisation serves and the routing functions it performs. "
        "Options left out keep their value; --function replaces the whole list."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="the organisation's code")
        parser.add_argument(
            "--region", default=None, help="ISO 3166-2 code; '' for the whole country"
        )
        parser.add_argument(
            "--function",
            action="append",
            default=None,
            dest="functions",
            help="a routing function it performs (see the jurisdiction file); repeatable",
        )
        parser.add_argument(
            "--no-functions", action="store_true", help="remove every routing function"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        functions = [] if options["no_functions"] else options["functions"]
        with cli_errors():
            organisation = services.organisation_update(
                actor=operator(),
                slug=options["slug"],
                region=options["region"],
                functions=functions,
            )
        region = organisation.region or "the whole country"
        performs = ", ".join(organisation.functions) or "none"
        self.stdout.write(f"{organisation.slug}: region {region}; functions {performs}.")
