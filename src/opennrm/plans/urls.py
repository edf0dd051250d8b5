"""Action-plan pages, included at ``plans/``."""

from django.urls import path

from opennrm.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("import/", views.plan_import, name="import"),
    path("measures/<int:pk>/", views.measure_detail, name="measure"),
    path("measures/<int:pk>/<slug:action>/", views.measure_act, name="measure_act"),
    path("<slug:code>/", views.plan_dashboard, name="dashboard"),
    path("<slug:code>/report/", views.plan_report, name="report"),
    path("<slug:code>/report.pdf", views.plan_report, {"fmt": "pdf"}, name="report_pdf"),
    path("<slug:code>/export.xlsx", views.plan_report, {"fmt": "xlsx"}, name="export_xlsx"),
]
