"""Staff pages of the intake, included at ``signals/``. Signals are addressed by number."""

from django.urls import path

from opennrm.intake import views

app_name = "signals"
urlpatterns = [
    path("", views.signal_list, name="list"),
    path("new/", views.signal_create, name="create"),
    path("triage/", views.triage, name="triage"),
    path("catalogues/", views.catalogue_list, name="catalogues"),
    path(
        "catalogues/<slug:catalogue_id>/v<int:version>/", views.catalogue_detail, name="catalogue"
    ),
    path("<int:pk>/", views.signal_detail, name="detail"),
    path("<int:pk>/edit/", views.signal_edit, name="edit"),
    path("<int:pk>/screen/", views.screen_choose, name="screen_choose"),
    path("<int:pk>/screen/<slug:catalogue_id>/", views.screen, name="screen"),
    path("<int:pk>/screenings/<int:screening_id>/", views.screening_detail, name="screening"),
    path("<int:pk>/first-contact/", views.first_contact, name="first_contact"),
    path("<int:pk>/link/", views.signal_link, name="link"),
    path("<int:pk>/person/", views.signal_person, name="person"),
    path("<int:pk>/dismiss/", views.signal_dismiss, name="dismiss"),
]
