from django.urls import include, path

from opennrm import views
from opennrm.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("account/", include("opennrm.directory.auth_urls")),
    path("directory/", include("opennrm.directory.urls")),
    path("persons/", include("opennrm.cases.urls")),
    path("signals/", include("opennrm.intake.urls")),
    path("referrals/", include("opennrm.referrals.urls")),
    path("cases/", include("opennrm.cases.case_urls")),
    path("plans/", include("opennrm.plans.urls")),
    path("sharing/", include("opennrm.sharing.urls")),
    path("report/", include("opennrm.intake.public_urls")),
    path("audit/", include("opennrm.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
