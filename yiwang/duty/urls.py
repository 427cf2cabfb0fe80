"""Pages of the duty app."""

from yiwang.duty.views import incidents, supplies, sweeps

app_name = "duty"
urlpatterns: list = [
    *incidents.urlpatterns,
    *sweeps.urlpatterns,
    *supplies.urlpatterns,
]
