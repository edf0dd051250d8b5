from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opennrm.directory import services
from opennrm.directory.management.commands._common import cli_errors, operator
from opennrm.directory.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token by its prefix (the part after onrm_)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prefix", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = options["prefix"].removeprefix("onrm_").split("_", 1)[0]
        token = ApiToken.objects.select_related("organisation").filter(prefix=prefix).first()
        if token is None:
            raise CommandError(f"no token with the prefix {prefix!r}")
        with cli_errors():
            services.api_token_revoke(
                actor=operator(), organisation=token.organisation, token_id=token.pk
            )
        self.stdout.write(f"Revoked token {token.prefix} ({token.name}).")
