from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opennrm.directory import services
from opennrm.directory.management.commands._common import (
    cli_errors,
    operator,
    organisation_by_slug,
)
from opennrm.directory.roles import Role


class Command(BaseCommand):
    help = (
        "Add a user to an organisation with one or more roles. The user has no password until "
        "they follow the set-password link, which is e-mailed (or printed with --print-link). "
        "With --service-account it creates an account for API tokens only: it never signs in "
        "with a password and no e-mail is sent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="organisation code (slug)")
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--role", required=True, nargs="+", choices=Role.values)
        parser.add_argument(
            "--print-link",
            action="store_true",
            help="print the set-password link instead of e-mailing it",
        )
        parser.add_argument(
            "--service-account",
            action="store_true",
            help="create a service account for API tokens: no password, no sign-in, no e-mail",
        )
        parser.add_argument(
            "--base-url",
            default=settings.OPENNRM_BASE_URL,
            help="address of this OpenNRM instance, used in the link (default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = organisation_by_slug(options["org"])
        print_link = options["print_link"]
        service_account = options["service_account"]
        if service_account and print_link:
            raise CommandError("--print-link does not apply to a service account")
        with cli_errors():
            user = services.user_create(
                actor=operator(),
                organisation=organisation,
                username=options["username"],
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                roles=options["role"],
                base_url=options["base_url"],
                send_email=not print_link,
                service_account=service_account,
            )
        if service_account:
            self.stdout.write(
                f"Created service account {user.username}; it cannot sign in. Issue it a "
                "token with: opennrm token create"
            )
            return
        if print_link:
            self.stdout.write(f"Created user {user.username}. Set-password link (works once):")
            self.stdout.write(services.set_password_link(user, options["base_url"]))
        else:
            self.stdout.write(
                f"Created user {user.username}; a set-password e-mail was sent to their address."
            )
