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
from opennrm.directory.roles import Role


class Command(BaseCommand):
    help = (
        "Give a member of an organisation one more role there. The operator may give every role, "
        "also those an organisation administrator may not (coordinator, auditor)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organisation code (slug)")
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_by_slug(options["org"])
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r} (see: opennrm user create)")
        with cli_errors():
            services.membership_grant(
                actor=operator(), organisation=organisation, user_id=user.pk, role=options["role"]
            )
        self.stdout.write(
            f"{user.username} now holds the role {options['role']} at {organisation.slug}."
        )
