"""Pages of volunteering."""

from yiwang.volunteering.views import (
    activities,
    certificates,
    checkin,
    donations,
    exports,
    hours,
    overview,
    teams,
    volunteers,
    wishes,
)

app_name = "volunteering"
urlpatterns: list = [
    *wishes.urlpatterns,
    *donations.urlpatterns,
    *overview.urlpatterns,
    *volunteers.urlpatterns,
    *teams.urlpatterns,
    *activities.urlpatterns,
    *checkin.urlpatterns,
    *hours.urlpatterns,
    *certificates.urlpatterns,
    *exports.urlpatterns,
]
