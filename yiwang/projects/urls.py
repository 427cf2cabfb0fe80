"""Pages of the battle map."""

from yiwang.projects.views import (
    actions,
    battle_map,
    calendar,
    meeting_pack,
    progress,
    projects,
    support,
)

app_name = "projects"
urlpatterns: list = [
    *battle_map.urlpatterns,
    *meeting_pack.urlpatterns,
    *projects.urlpatterns,
    *actions.urlpatterns,
    *progress.urlpatterns,
    *calendar.urlpatterns,
    *support.urlpatterns,
]
