"""Pages of the cockpit."""

from yiwang.cockpit import views

app_name = "cockpit"
urlpatterns = [*views.urlpatterns]
