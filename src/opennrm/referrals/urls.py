"""Referral pages, included at ``referrals/``."""

from django.urls import path

from opennrm.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("overview/", views.dashboard, name="dashboard"),
    path("whom/", views.whom, name="whom"),
    path("new/<int:signal_pk>/", views.refer, name="refer"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
