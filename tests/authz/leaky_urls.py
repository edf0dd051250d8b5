"""The site's URLs plus one deliberately unprotected view, for the test of the matrix test: it
returns a case file's data to anyone, without asking who they are."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from opennrm.cases.models import CaseFile
from opennrm.config.urls import urlpatterns as site_urlpatterns


def leaky_case(request: HttpRequest, pk: int) -> JsonResponse:
    case = CaseFile.objects.get(pk=pk)  # no login, no access check: the bug to be caught
    return JsonResponse({"reference": case.reference, "phase": case.phase})


urlpatterns = [*site_urlpatterns, path("leak/cases/<int:pk>/", leaky_case, name="leaky_case")]
