"""The URL map: pages, the API under /api/v1/, language switching."""

from django.urls import include, path

from yiwang.cases import public_urls
from yiwang.core import health, metrics

# A page's 400 says why when it can; the API's 404 is JSON like its other errors.
handler400 = "yiwang.core.views.bad_request"
handler404 = "yiwang.core.views.not_found"

urlpatterns = [
    # For a load balancer: liveness and readiness, without a login (yiwang.core.health).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # For Prometheus: only from METRICS_ALLOWED_IPS or with METRICS_TOKEN (core.metrics).
    path("metrics", metrics.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("yiwang.api_urls")),
    path("", include("yiwang.accounts.urls")),
    path("", include("yiwang.notices.urls")),
    path("", include("yiwang.areas.urls")),
    path("", include("yiwang.core.urls")),
    path("", include("yiwang.registry.urls")),
    path("", include("yiwang.cases.urls")),
    path("", include("yiwang.outreach.urls")),
    path("", include("yiwang.points.urls")),
    path("", include("yiwang.volunteering.urls")),
    path("", include("yiwang.projects.urls")),
    path("", include("yiwang.services.urls")),
    path("", include("yiwang.duty.urls")),
    path("", include("yiwang.coops.urls")),
    path("", include("yiwang.cockpit.urls")),
    path("public/", include(public_urls.pages)),
    path("public/", include("yiwang.points.public_urls")),
    path("public/", include("yiwang.volunteering.public_urls")),
    path("public/", include("yiwang.services.public_urls")),
    path("open311/v2/", include(public_urls.georeport)),
]
