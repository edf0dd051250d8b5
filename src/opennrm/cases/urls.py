"""Person pages, included at ``persons/``. A person is addressed by number only, never by name."""

from django.urls import path

from opennrm.cases import views

app_name = "persons"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/export/", views.export, name="export"),
    path("<int:pk>/subject-access/", views.subject_access_export, name="subject_access"),
]
