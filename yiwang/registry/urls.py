"""Pages of the ledger."""

from django.urls import path

from yiwang.registry import views

app_name = "registry"
urlpatterns = [
    path("ledger/", views.resident_list, name="residents"),
    path("ledger/import/", views.ledger_import, name="import"),
    path("ledger/template.xlsx", views.ledger_template, name="template"),
    path("ledger/duplicates/", views.duplicate_list, name="duplicates"),
    path("ledger/households/", views.household_list, name="households"),
    path("ledger/households/new/", views.household_create, name="household-create"),
    path("ledger/households/<int:household_id>/", views.household_detail, name="household"),
    path(
        "ledger/households/<int:household_id>/edit/",
        views.household_edit,
        name="household-edit",
    ),
    path(
        "ledger/households/<int:household_id>/category/",
        views.household_category,
        name="household-category",
    ),
    path(
        "ledger/households/<int:household_id>/residents/new/",
        views.resident_add,
        name="resident-add",
    ),
    path("ledger/residents/<int:resident_id>/", views.resident_detail, name="resident"),
    path("ledger/residents/<int:resident_id>/edit/", views.resident_edit, name="resident-edit"),
    path("ledger/residents/<int:resident_id>/tags/", views.resident_tags, name="resident-tags"),
    path(
        "ledger/residents/<int:resident_id>/move-out/",
        views.resident_move_out,
        name="resident-move-out",
    ),
    path("ledger/residents/<int:resident_id>/death/", views.resident_death, name="resident-death"),
    path(
        "ledger/residents/<int:resident_id>/transfer/",
        views.resident_transfer,
        name="resident-transfer",
    ),
    path(
        "ledger/residents/<int:resident_id>/make-head/",
        views.resident_make_head,
        name="resident-make-head",
    ),
    path("ledger/migrants/", views.migrant_list, name="migrants"),
    path("ledger/migrants/new/", views.migrant_create, name="migrant-create"),
    path("ledger/migrants/<int:migrant_id>/left/", views.migrant_left, name="migrant-left"),
    path("ledger/tags/", views.tag_list, name="tags"),
    path("ledger/tags/new/", views.tag_create, name="tag-create"),
    path("ledger/tags/<slug:code>/edit/", views.tag_edit, name="tag-edit"),
]
