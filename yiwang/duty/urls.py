"""Pages of the duty app."""

from yiwang.duty.views import incidents, sweeps

app_name = "duty"
urlpatterns: list = [
    *incidents.urlpatterns,
    *sweeps.urlpatterns,
]
