"""Pages of cases."""

from django.urls import path

from yiwang.cases import views, views_config, views_notices, views_rates

app_name = "cases"
urlpatterns = [
    path("cases/", views.inbox, name="inbox"),
    path("cases/all/", views.case_list, name="list"),
    path("cases/new/", views.case_create, name="create"),
    path("cases/rates/", views_rates.rates_page, name="rates"),
    path("cases/rates/cases/", views_rates.rate_cases, name="rate-cases"),
    path("cases/overdue/", views_rates.overdue_page, name="overdue"),
    path("cases/notices/", views_notices.notice_list, name="notices"),
    # The county admin's configuration.
    path("cases/categories/", views_config.category_list, name="categories"),
    path("cases/categories/new/", views_config.category_create, name="category-create"),
    path("cases/categories/<slug:code>/edit/", views_config.category_edit, name="category-edit"),
    path("cases/departments/", views_config.department_list, name="departments"),
    path("cases/departments/new/", views_config.department_create, name="department-create"),
    path(
        "cases/departments/<slug:code>/edit/",
        views_config.department_edit,
        name="department-edit",
    ),
    path("cases/<int:case_id>/", views.case_detail, name="detail"),
    path("cases/<int:case_id>/photos/", views.case_photos, name="photos"),
    path("cases/<int:case_id>/<slug:action>/", views.case_act, name="act"),
    # Public, under a signed address (no account, no tracking code in it).
    path("public/photos/<str:token>/<slug:variant>/", views.public_photo, name="public-photo"),
]
