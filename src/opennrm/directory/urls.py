from django.urls import path

from opennrm.directory import views

app_name = "directory"
urlpatterns = [
    path("organisations/", views.organisations, name="organisations"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/open/", views.inbox_open, name="inbox_open"),
    path("inbox/read/", views.inbox_read_all, name="inbox_read_all"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("users/<int:user_id>/roles/grant/", views.user_role_grant, name="user_role_grant"),
    path(
        "users/<int:user_id>/roles/withdraw/", views.user_role_withdraw, name="user_role_withdraw"
    ),
    path("users/<int:user_id>/remove/", views.user_remove, name="user_remove"),
    path(
        "users/<int:user_id>/two-factor/reset/",
        views.user_reset_two_factor,
        name="user_reset_two_factor",
    ),
    path("users/<int:user_id>/unlock/", views.user_unlock, name="user_unlock"),
    path("api-clients/", views.tokens, name="tokens"),
    path("api-clients/new/", views.token_create, name="token_create"),
    path("api-clients/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("password/set/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password_set"),
    path("password/set/done/", views.PasswordSetDoneView.as_view(), name="password_set_done"),
]
