"""The URL map: pages, the API under /api/v1/, language switching."""

from django.urls import include, path

from yiwang.cases import public_urls

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("yiwang.api_urls")),
    path("", include("yiwang.accounts.urls")),
    path("", include("yiwang.areas.urls")),
    path("", include("yiwang.core.urls")),
    path("", include("yiwang.registry.urls")),
    path("", include("yiwang.cases.urls")),
    path("", include("yiwang.outreach.urls")),
    path("public/", include(public_urls.pages)),
    path("open311/v2/", include(public_urls.georeport)),
]
