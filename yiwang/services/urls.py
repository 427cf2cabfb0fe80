"""Pages of the services app: the catalogue and the help requests (the public tracking
page is in public_urls.py)."""

from yiwang.services.views import catalogue, help

app_name = "services"
urlpatterns: list = [
    *catalogue.urlpatterns,
    *help.urlpatterns,
]
