"""Pages of the core module: the audit log, background imports."""

from django.urls import path

from yiwang.core import export_views, views

app_name = "core"
urlpatterns = [
    path("sw.js", views.service_worker, name="service-worker"),
    path("audit/", views.audit_list, name="audit"),
    path("audit/<int:entry_id>/", views.audit_detail, name="audit-detail"),
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:job_id>/", views.import_detail, name="import-detail"),
    path("imports/<int:job_id>/commit/", views.import_commit, name="import-commit"),
    path("imports/<int:job_id>/errors.xlsx", views.import_errors, name="import-errors"),
    path("exports/", export_views.export_list, name="exports"),
    path("exports/new/<str:kind>/", export_views.export_start, name="export-start"),
    path("exports/<int:job_id>/", export_views.export_detail, name="export-detail"),
    path("exports/<int:job_id>/download/", export_views.export_download, name="export-download"),
]
