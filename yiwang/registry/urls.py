"""Pages of the ledger."""

from django.urls import path

from yiwang.registry import views

app_name = "registry"
urlpatterns = [
    path("ledger/", views.resident_list, name="residents"),
    path("ledger/export/", views.resident_export, name="export"),
    path("ledger/import/", views.ledger_import, name="import"),
    path("ledger/template.xlsx", views.ledger_template, name="template"),
    path("ledger/households/<int:household_id>/", views.household_detail, name="household"),
    path("ledger/residents/<int:resident_id>/", views.resident_detail, name="resident"),
]
