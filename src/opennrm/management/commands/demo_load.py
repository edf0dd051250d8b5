from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from opennrm.cases import demo as cases_demo
from opennrm.core import context
from opennrm.directory import demo
from opennrm.intake import demo as intake_demo
from opennrm.plans import services as plan_services


class Command(BaseCommand):
    help = "Load the demo organisations and one demo user per role (idempotent; not production)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Refused: demo data is never loaded in production.")
        token = context.set_current(context.RequestContext(channel="cli"))
        try:
            logins = demo.load()
            signals = intake_demo.load()
            cases = cases_demo.load()
            plans = plan_services.import_shipped()
        except demo.DemoRefused as exc:
            raise CommandError(f"Refused: {exc}") from exc
        finally:
            context.reset(token)
        self.stdout.write(
            f"Demo data loaded: {len(demo.ORGANISATIONS)} organisations, {len(logins)} users, "
            f"{signals} new signals, {cases} new case files, {len(plans)} new action plans."
        )
        header = ("user name", "role", "organisation", "password", "TOTP secret (base32)")
        rows = [
            (x.username, x.role, x.organisation, x.password, x.totp_secret or "(none needed)")
            for x in logins
        ]
        widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
        for row in (header, tuple("-" * w for w in widths), *rows):
            self.stdout.write("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
        self.stdout.write("")
        self.stdout.write(
            "Authenticator set-up URIs (paste into an authenticator app or a QR tool):"
        )
        for login in logins:
            if login.otpauth_uri:
                self.stdout.write(f"  {login.username}: {login.otpauth_uri}")
        self.stdout.write("")
        self.stdout.write(
            "`opennrm demo totp USERNAME` prints the current 6-digit code of a demo user."
        )
        style = self.style.WARNING
        if settings.OPENNRM_DEMO:
            self.stdout.write(style("Demo logins work on this instance (OPENNRM_DEMO=1)."))
        else:
            self.stdout.write(
                style("WARNING: demo logins only work when OPENNRM_DEMO=1; it is off now.")
            )
