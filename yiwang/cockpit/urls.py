"""Pages of the cockpit."""

from yiwang.cockpit import report_views

app_name = "cockpit"
urlpatterns: list = [
    *report_views.urlpatterns,
]
