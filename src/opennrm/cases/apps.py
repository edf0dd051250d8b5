from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "opennrm.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from opennrm.cases import checks, deadlines, missing  # noqa: F401 (checks, notifications)
        from opennrm.cases.ports import CasesPersonPort
        from opennrm.intake.ports import register_persons

        register_persons(CasesPersonPort())
