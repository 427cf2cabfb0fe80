"""Volunteering's pages without a login, mounted under /public/ by the project's URL map:
the check of an hours certificate (its QR code) and the micro-wish wall."""

from yiwang.volunteering.views import certificates

app_name = "volunteering-public"
urlpatterns: list = [
    *certificates.public_urlpatterns,
]
