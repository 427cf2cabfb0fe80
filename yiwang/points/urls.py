"""Pages of points."""

from yiwang.points.views import entries, evaluation, lists, overview, passes, shop

app_name = "points"
urlpatterns = [
    *overview.urlpatterns,
    *lists.urlpatterns,
    *entries.urlpatterns,
    *evaluation.urlpatterns,
    *shop.urlpatterns,
    *passes.urlpatterns,
]
