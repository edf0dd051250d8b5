"""The auditor's pages, included at ``audit/``."""

from django.urls import path

from opennrm.core import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("verify/", views.verify, name="verify"),
]
