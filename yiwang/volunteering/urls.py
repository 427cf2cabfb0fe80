"""Pages of volunteering."""

from yiwang.volunteering.views import activities, checkin, donations, teams, volunteers, wishes

app_name = "volunteering"
urlpatterns: list = [
    *wishes.urlpatterns,
    *donations.urlpatterns,
    *volunteers.urlpatterns,
    *teams.urlpatterns,
    *activities.urlpatterns,
    *checkin.urlpatterns,
]
