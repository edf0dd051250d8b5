"""Legal bases of sharing, included at ``sharing/``."""

from django.urls import path

from opennrm.sharing import views

app_name = "sharing"
urlpatterns = [
    path("", views.basis_list, name="list"),
    path("new/", views.basis_create, name="new"),
    path("<int:pk>/", views.basis_detail, name="basis"),
    path("<int:pk>/end/", views.basis_end, name="end"),
]
