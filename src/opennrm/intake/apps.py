from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "opennrm.intake"
    label = "intake"
    verbose_name = _("Intake")

    def ready(self) -> None:
        from opennrm.intake import checks  # noqa: F401  (registers system checks)
