"""The URL map: pages, the API under /api/v1/, language switching."""

from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("yiwang.accounts.urls")),
    path("", include("yiwang.areas.urls")),
    path("", include("yiwang.core.urls")),
]
