"""The ``opennrm`` command: Django's management commands, with readable multi-word names.

``opennrm audit verify`` runs ``audit_verify``, ``opennrm demo load`` runs ``demo_load``,
``opennrm rotate-keys`` runs ``rotate_keys``; anything else goes to Django as it is
(``opennrm migrate``, ``opennrm runserver``).
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    ("audit", "verify"): "audit_verify",
    ("demo", "load"): "demo_load",
    ("demo", "totp"): "demo_totp",
    ("token", "create"): "token_create",
    ("token", "revoke"): "token_revoke",
    ("org", "create"): "org_create",
    ("org", "update"): "org_update",
    ("user", "create"): "user_create",
    ("role", "grant"): "role_grant",
    ("referrals", "escalate"): "referrals_escalate",
    ("cases", "remind"): "cases_remind",
    ("cases", "retention"): "cases_retention",
    ("cases", "extract"): "cases_extract",
    ("plans", "import"): "plans_import",
    ("plans", "remind"): "plans_remind",
}


def translate(argv: list[str]) -> list[str]:
    if len(argv) >= 2 and (argv[0], argv[1]) in ALIASES:
        return [ALIASES[(argv[0], argv[1])], *argv[2:]]
    if argv:
        return [argv[0].replace("-", "_"), *argv[1:]]
    return argv


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opennrm.config.settings")
    from django.core.management import execute_from_command_line

    args = translate(list(sys.argv[1:] if argv is None else argv))
    execute_from_command_line(["opennrm", *args])


if __name__ == "__main__":
    main()
