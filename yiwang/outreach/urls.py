"""Pages of outreach."""

from yiwang.outreach.views import compliance, enterprises, pairings, routines, visits

app_name = "outreach"
urlpatterns = [
    *visits.urlpatterns,
    *pairings.urlpatterns,
    *enterprises.urlpatterns,
    *routines.urlpatterns,
    *compliance.urlpatterns,
]
