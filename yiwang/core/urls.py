"""Pages of the core module: the audit log."""

from django.urls import path

from yiwang.core import views

app_name = "core"
urlpatterns = [
    path("audit/", views.audit_list, name="audit"),
    path("audit/<int:entry_id>/", views.audit_detail, name="audit-detail"),
]
