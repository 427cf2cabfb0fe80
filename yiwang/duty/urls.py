"""Pages of the duty app."""

app_name = "duty"
urlpatterns: list = []
