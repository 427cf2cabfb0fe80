"""Points' pages open without a login, mounted under /public/ by the project's URL map:
the public notice of the monthly evaluations (公示) and the benefit passes' pages."""

from yiwang.points.views import passes as _passes

app_name = "points-public"
urlpatterns: list = []

# --- benefit passes: a pass's page for the resident's phone, the verifier page ------------
urlpatterns += _passes.public_urlpatterns
