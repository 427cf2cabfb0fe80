"""Pages of the cockpit."""

from yiwang.cockpit import map_views, report_views, views

app_name = "cockpit"
urlpatterns = [*views.urlpatterns, *map_views.urlpatterns, *report_views.urlpatterns]
