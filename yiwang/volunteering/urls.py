"""Pages of volunteering."""

from yiwang.volunteering.views import certificates, donations, exports, hours, wishes

app_name = "volunteering"
urlpatterns: list = [
    *wishes.urlpatterns,
    *donations.urlpatterns,
    *hours.urlpatterns,
    *certificates.urlpatterns,
    *exports.urlpatterns,
]
