"""Pages of the battle map."""

from yiwang.projects.views import support

app_name = "projects"
urlpatterns: list = [
    *support.urlpatterns,
]
