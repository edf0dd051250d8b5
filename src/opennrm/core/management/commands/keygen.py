"""``opennrm keygen``: print a new random key for the configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from opennrm.config.env import new_key, new_key_id


class Command(BaseCommand):
    help = (
        "Print a new random 256-bit key. By default an entry 'keyid:base64key' for "
        "OPENNRM_DATA_KEYS: put it first in the list, keep the old keys after it, restart, then "
        "run 'opennrm rotate-keys'. With --index, a bare key for OPENNRM_INDEX_KEY (only for a "
        "new installation: changing it invalidates every blind index). Keep the output secret: "
        "it is the key itself."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--index", action="store_true", help="print a key for OPENNRM_INDEX_KEY instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["index"]:
            self.stdout.write(new_key())
            self.stderr.write("OPENNRM_INDEX_KEY=<the line above> (never the same as a data key)")
            return
        existing = {key_id for key_id, _key in getattr(settings, "OPENNRM_DATA_KEYS", [])}
        self.stdout.write(f"{new_key_id(existing)}:{new_key()}")
        self.stderr.write(
            "OPENNRM_DATA_KEYS=<the line above>,<the current keys>  then restart and run "
            "'opennrm rotate-keys'"
        )
