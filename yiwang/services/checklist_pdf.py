"""The one-time checklist (一次告知单) of a catalogue item as a PDF: WeasyPrint from HTML,
in Simplified Chinese whoever prints it, in the platform's CJK font (yiwang.core.pdf), to
hand to the resident or pin at the service station."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from yiwang.core.pdf import FONT_FAMILY, LANGUAGE
from yiwang.services.models import ServiceItem


def file_name(item: ServiceItem) -> str:
    return f"checklist-{item.code}.pdf"


def render(item: ServiceItem) -> bytes:
    from weasyprint import HTML  # loads pango: only where a checklist is printed

    with translation.override(LANGUAGE):
        html = render_to_string(
            "services/checklist_pdf.html",
            {
                "item": item,
                "materials": list(item.materials.all()),
                "printed_on": timezone.localdate(),
                "font_family": FONT_FAMILY,
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
