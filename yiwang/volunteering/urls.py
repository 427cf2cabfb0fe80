"""Pages of volunteering."""

from yiwang.volunteering.views import donations, wishes

app_name = "volunteering"
urlpatterns: list = [
    *wishes.urlpatterns,
    *donations.urlpatterns,
]
