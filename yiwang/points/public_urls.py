"""Points' pages open without a login, mounted under /public/ by the project's URL map:
the public notice of the monthly evaluations (公示) and the benefit passes' pages."""

app_name = "points-public"
urlpatterns: list = []
