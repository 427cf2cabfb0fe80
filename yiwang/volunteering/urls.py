"""Pages of volunteering."""

app_name = "volunteering"
urlpatterns: list = []
