"""Pages of volunteering."""

from yiwang.volunteering.views import certificates, exports, hours

app_name = "volunteering"
urlpatterns: list = [
    *hours.urlpatterns,
    *certificates.urlpatterns,
    *exports.urlpatterns,
]
