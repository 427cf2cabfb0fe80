"""Points' pages open without a login, mounted under /public/ by the project's URL map:
the public notice of the monthly evaluations (公示) and the benefit passes' pages."""

from yiwang.points.views import notice, passes

app_name = "points-public"
urlpatterns: list = [
    # The monthly evaluation's public notice, objections and honour list.
    *notice.public_urlpatterns,
    # A pass's page for the resident's phone, the verifier page.
    *passes.public_urlpatterns,
]
