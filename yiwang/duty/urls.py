"""Pages of the duty app."""

from yiwang.duty.views import incidents, rosters, supplies, sweeps

app_name = "duty"
urlpatterns: list = [
    *rosters.urlpatterns,
    *incidents.urlpatterns,
    *sweeps.urlpatterns,
    *supplies.urlpatterns,
]
