"""Volunteering's pages without a login, mounted under /public/ by the project's URL map:
the check of an hours certificate (its QR code) and the micro-wish wall."""

from yiwang.volunteering.views import certificates, donations, wishes

app_name = "volunteering-public"
urlpatterns: list = [
    # The micro-wish wall: the wish and the village, the person masked.
    *wishes.public_urlpatterns,
    # A fund's monthly statement.
    *donations.public_urlpatterns,
    # An hours certificate checked by its QR code, or by its number and check code.
    *certificates.public_urlpatterns,
]
