"""Pages of the duty app."""

from yiwang.duty.views import rosters

app_name = "duty"
urlpatterns: list = [
    *rosters.urlpatterns,
]
