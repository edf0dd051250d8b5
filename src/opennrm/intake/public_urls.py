"""The anonymous public channel, included at ``report/`` (no login)."""

from django.urls import path

from opennrm.intake import public_views

app_name = "public"
urlpatterns = [
    path("", public_views.report, name="report"),
    path("add/", public_views.add, name="add"),
]
