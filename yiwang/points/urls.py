"""Pages of points."""

from yiwang.points.views import entries, evaluation, lists, notice, overview, passes, shop

app_name = "points"
urlpatterns = [
    *overview.urlpatterns,
    *lists.urlpatterns,
    *entries.urlpatterns,
    *evaluation.urlpatterns,
    *notice.urlpatterns,
    *shop.urlpatterns,
    *passes.urlpatterns,
]
