"""Pages of the cockpit."""

app_name = "cockpit"
urlpatterns: list = []
