"""Pages of the cockpit."""

from yiwang.cockpit import map_views

app_name = "cockpit"
urlpatterns: list = [*map_views.urlpatterns]
