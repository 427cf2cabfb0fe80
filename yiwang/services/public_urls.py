"""The services' pages without a login, mounted under /public/ by the project's URL map:
the tracking page of help requests (the receipt's code or QR code)."""

from yiwang.services.views import public

app_name = "services-public"
urlpatterns: list = [*public.urlpatterns]
