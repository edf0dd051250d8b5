"""Referral pages, included at ``referrals/``."""

from django.urls import path

from opennrm.referrals import views

app_name = "referrals"
urlpatterns = [
    path("whom/", views.whom, name="whom"),
]
