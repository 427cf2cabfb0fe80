"""Pages of cases."""

from django.urls import path

from yiwang.cases.views import cases, config, notices, rates, sheet

app_name = "cases"
urlpatterns = [
    path("cases/", cases.inbox, name="inbox"),
    path("cases/all/", cases.case_list, name="list"),
    path("cases/new/", cases.case_create, name="create"),
    path("cases/rates/", rates.rates_page, name="rates"),
    path("cases/rates/cases/", rates.rate_cases, name="rate-cases"),
    path("cases/overdue/", rates.overdue_page, name="overdue"),
    path("cases/notices/", notices.notice_list, name="notices"),
    # The county admin's configuration.
    path("cases/categories/", config.category_list, name="categories"),
    path("cases/categories/new/", config.category_create, name="category-create"),
    path("cases/categories/<slug:code>/edit/", config.category_edit, name="category-edit"),
    path("cases/departments/", config.department_list, name="departments"),
    path("cases/departments/new/", config.department_create, name="department-create"),
    path(
        "cases/departments/<slug:code>/edit/",
        config.department_edit,
        name="department-edit",
    ),
    path("cases/<int:case_id>/", cases.case_detail, name="detail"),
    path("cases/<int:case_id>/sheet/", sheet.case_sheet, name="sheet"),
    path("cases/<int:case_id>/photos/", cases.case_photos, name="photos"),
    path("cases/<int:case_id>/phone/", cases.case_phone, name="phone"),
    path("cases/<int:case_id>/<slug:action>/", cases.case_act, name="act"),
    # Public, under a signed address (no account, no tracking code in it).
    path("public/photos/<str:token>/<slug:variant>/", cases.public_photo, name="public-photo"),
]
