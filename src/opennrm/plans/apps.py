from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "opennrm.plans"
    label = "plans"
    verbose_name = _("Action plans")

    def ready(self) -> None:
        from opennrm.plans import services  # noqa: F401  (registers notification texts)
