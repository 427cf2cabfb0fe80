"""An hours certificate (志愿服务证明) as a PDF: WeasyPrint from HTML, in Simplified
Chinese, with a segno QR code (SVG) of the public page that checks it. Made from the
certificate as issued (its stored figures), so that the paper and the public page say
the same whenever it is printed."""

from __future__ import annotations

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from yiwang.core.pdf import FONT_FAMILY
from yiwang.volunteering.models import Certificate

# The language of the paper, whoever prints it.
LANGUAGE = "zh-hans"
# A CJK font must be installed (fonts-noto-cjk on Debian), as for the cockpit's report.


def check_path(certificate: Certificate) -> str:
    return reverse("volunteering-public:certificate", args=[certificate.check_code])


def check_url(certificate: Certificate) -> str:
    """The absolute address of the public page that checks the certificate (its QR)."""
    return f"{settings.SITE_URL}{check_path(certificate)}"


def qr_svg(text: str, scale: int = 3) -> SafeString:
    return mark_safe(segno.make(text, error="m").svg_inline(scale=scale, border=2))  # noqa: S308


def file_name(certificate: Certificate) -> str:
    return f"{certificate.number}.pdf"


def render(certificate: Certificate) -> bytes:
    from weasyprint import HTML  # loads pango: only where a certificate is printed

    url = check_url(certificate)
    with translation.override(LANGUAGE):
        html = render_to_string(
            "volunteering/certificate_pdf.html",
            {
                "certificate": certificate,
                "total": certificate.credit_hours + certificate.honour_hours,
                "url": url,
                "qr": qr_svg(url),
                "font_family": FONT_FAMILY,
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
