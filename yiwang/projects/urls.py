"""Pages of the battle map."""

from yiwang.projects.views import actions, calendar, progress, projects

app_name = "projects"
urlpatterns: list = [
    *projects.urlpatterns,
    *actions.urlpatterns,
    *progress.urlpatterns,
    *calendar.urlpatterns,
]
