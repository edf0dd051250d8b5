"""Sign-in, sign-out and two-factor URLs, included at ``account/`` without a namespace."""

from django.urls import path

from opennrm.directory import auth_views

urlpatterns = [
    path("login/", auth_views.login_view, name="login"),
    path("logout/", auth_views.logout_view, name="logout"),
    path("two-factor/setup/", auth_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", auth_views.two_factor_verify, name="two_factor_verify"),
    path(
        "two-factor/recovery-codes/",
        auth_views.two_factor_recovery,
        name="two_factor_recovery",
    ),
]
