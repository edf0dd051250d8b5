from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "opennrm.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from opennrm.intake.ports import register_referrals
        from opennrm.referrals import (
            checks,  # noqa: F401  (registers system checks)
            services,  # noqa: F401  (registers notification texts)
        )
        from opennrm.referrals.selectors import SignalReferrals

        register_referrals(SignalReferrals())
