"""Reads of the benefit passes: a pass's state, its QR code, the printable sheet of a
grid's cards (WeasyPrint + segno, as the cockpit's report), the settlement of a month."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import segno
from django.conf import settings
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from yiwang.areas.models import Area
from yiwang.core.pdf import FONT_FAMILY
from yiwang.points.models import Pass, PassUse

# The language of the printed cards, whoever prints them.
LANGUAGE = "zh-hans"


def qr_svg(text: str, scale: int = 3, fluid: bool = False) -> SafeString:
    """The QR code of `text` (a pass's token), as inline SVG; `fluid`: without its size,
    so that it fills the width of its box (a phone's screen) and no more."""
    code = segno.make(text, error="m")
    return mark_safe(code.svg_inline(scale=scale, border=2, omitsize=fluid))  # noqa: S308


def status_of(row: Pass, today: datetime.date | None = None) -> str:
    """revoked, expired, upcoming or valid."""
    today = today or timezone.localdate()
    if row.revoked_at is not None:
        return "revoked"
    if row.valid_to < today:
        return "expired"
    if row.valid_from > today:
        return "upcoming"
    return "valid"


def cards_pdf(area: Area, month: datetime.date, rows: list[Pass]) -> bytes:
    """The cards of a grid's passes of a month on A4 sheets, ten a page: the benefit, the
    masked holder, the grid, the validity, the QR code."""
    from weasyprint import HTML  # loads pango: only where a sheet is made

    names = dict(
        Area.objects.filter(code__in={r.grid_code for r in rows}).values_list("code", "name")
    )
    cards = [
        {
            "row": row,
            "grid_name": names.get(row.grid_code, area.name),
            "qr": qr_svg(row.token, scale=2),
        }
        for row in rows
    ]
    with translation.override(LANGUAGE):
        html = render_to_string(
            "points/passes_cards_pdf.html",
            {"area": area, "month": month, "cards": cards, "font_family": FONT_FAMILY},
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


@dataclass
class SettlementRow:
    operator: str
    benefit: str
    uses: int
    flagged: int


@dataclass
class Settlement:
    month: datetime.date
    rows: list[SettlementRow] = field(default_factory=list)
    flagged: list = field(default_factory=list)
    total: int = 0


def settlement(user, month: datetime.date) -> Settlement:
    """The uses of the month (by when they happened) per operator and benefit, of the
    passes in the user's scope; the flagged uses listed (at most 200)."""
    start = timezone.make_aware(datetime.datetime.combine(month, datetime.time()))
    nxt = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    end = timezone.make_aware(datetime.datetime.combine(nxt, datetime.time()))
    uses = PassUse.objects.filter(
        benefit_pass__in=Pass.objects.visible_to(user).values("pk"),
        used_at__gte=start,
        used_at__lt=end,
    )
    grouped = (
        uses.values("benefit_pass__benefit__operator", "benefit_pass__benefit__name")
        .annotate(n=Count("pk"), flagged=Count("pk", filter=Q(flagged=True)))
        .order_by("benefit_pass__benefit__operator", "benefit_pass__benefit__name")
    )
    result = Settlement(month=month)
    for row in grouped:
        result.rows.append(
            SettlementRow(
                operator=row["benefit_pass__benefit__operator"],
                benefit=row["benefit_pass__benefit__name"],
                uses=row["n"],
                flagged=row["flagged"],
            )
        )
        result.total += row["n"]
    result.flagged = list(
        uses.filter(flagged=True)
        .select_related("benefit_pass__benefit")
        .order_by("benefit_pass_id", "used_at")[:200]
    )
    return result
