from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opennrm.directory import services
from opennrm.directory.management.commands._common import (
    cli_errors,
    operator,
    organisation_by_slug,
)
from opennrm.directory.models import User


class Command(BaseCommand):
    help = (
        "Issue an API token that acts as USER within ORG only. USER must be a service account "
        "(opennrm user create --service-account). The token is printed once; only a hash of it "
        "is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organisation code (slug)")
        parser.add_argument("--user", required=True, help="service account the token acts as")
        parser.add_argument("--name", required=True, help="name of the API client")
        parser.add_argument("--expires-days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_by_slug(options["org"])
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r}")
        with cli_errors():
            token, full = services.api_token_create(
                actor=operator(),
                organisation=organisation,
                user_id=user.pk,
                name=options["name"],
                expires_in_days=options["expires_days"],
            )
        self.stderr.write(
            f"Token {token.prefix} ({token.name}) acts as {user.username} in "
            f"{organisation.slug}. Store it now: it is not shown again."
        )
        self.stdout.write(full)
