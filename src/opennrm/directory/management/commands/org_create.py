from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opennrm.directory import services
from opennrm.directory.management.commands._common import cli_errors, operator
from opennrm.directory.models import OrganisationKind


class Command(BaseCommand):
    help = "Add an organisation to the directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="short code, e.g. nl-comensha")
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, choices=OrganisationKind.values)
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2, e.g. NL")
        parser.add_argument("--region", default="", help="ISO 3166-2 code, e.g. NL-UT")
        parser.add_argument(
            "--function",
            action="append",
            default=[],
            dest="functions",
            help="a routing function it performs (see the jurisdiction file); repeatable",
        )
        parser.add_argument("--short-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        with cli_errors():
            organisation = services.organisation_create(
                actor=operator(),
                slug=options["slug"],
                name=options["name"],
                kind=options["kind"],
                country=options["country"],
                region=options["region"],
                short_name=options["short_name"],
                functions=options["functions"],
            )
        self.stdout.write(f"Created organisation {organisation.slug} (id {organisation.pk}).")
