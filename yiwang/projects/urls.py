"""Pages of the battle map."""

from yiwang.projects.views import battle_map, meeting_pack

app_name = "projects"
urlpatterns: list = [
    *battle_map.urlpatterns,
    *meeting_pack.urlpatterns,
]
