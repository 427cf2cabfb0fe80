"""Pages of the battle map."""

app_name = "projects"
urlpatterns: list = []
