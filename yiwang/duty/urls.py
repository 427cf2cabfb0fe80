"""Pages of the duty app."""

from yiwang.duty.views import supplies

app_name = "duty"
urlpatterns: list = [
    *supplies.urlpatterns,
]
