"""Case-file pages, included at ``cases/``. A case is addressed by number only."""

from django.urls import path

from opennrm.cases import case_views, team_views

app_name = "cases"
urlpatterns = [
    path("", case_views.case_list, name="list"),
    path("new/", case_views.case_open, name="open"),
    path("deadlines/", case_views.deadline_board, name="deadlines"),
    path("emergency/", team_views.emergency, name="emergency"),
    path("access-review/", team_views.review_organisation, name="access_review"),
    path("<int:pk>/sharing/", team_views.team_page, name="team"),
    path("<int:pk>/sharing/<slug:action>/", team_views.team_act, name="team_act"),
    path("<int:pk>/access/", team_views.review_case, name="access"),
    path("<int:pk>/", case_views.case_detail, name="case"),
    path("<int:pk>/export/", case_views.case_export, name="export"),
    path("<int:pk>/<slug:action>/", case_views.case_act, name="act"),
]
