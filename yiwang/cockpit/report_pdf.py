"""The monthly report's content and its PDF: an area's figures of a month with their
changes (one `figures.cockpit` call, read for the system), a bar chart of each main
figure's thirteen months (inline SVG), the child areas' values, the most overdue cases
(a bounded list and the count), the overdue households by child area (outreach's
compliance), and a QR code that opens the live cockpit. Rendered by WeasyPrint in
Simplified Chinese with a CJK font.

Reads only: the services that keep the reports are in yiwang.cockpit.reports.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from yiwang.areas.models import Area
from yiwang.cases.selectors import rates as case_rates
from yiwang.cockpit import figures
from yiwang.core import display
from yiwang.core.pdf import FONT_FAMILY, LANGUAGE
from yiwang.core.reporting import Period
from yiwang.outreach.selectors.compliance import compliance

# The report is read on paper: the most overdue cases are listed, the rest counted.
LATE_CASES = 50
# The language of the report, whatever the worker thread or the requester speaks.
# The fonts the PDF is set in: a CJK font must be installed (fonts-noto-cjk on Debian).

CHART_WIDTH, CHART_HEIGHT = 300, 90


def month_label(month: datetime.date) -> str:
    """2026-11-01 → "2026年11月" (in Chinese)."""
    return _("%(year)s/%(month)s") % {"year": month.year, "month": month.month}


def cockpit_url(area_code: str, month: datetime.date) -> str:
    """The live cockpit of the area and month (the report's QR code)."""
    return f"{settings.SITE_URL}/cockpit/?area={area_code}&month={month:%Y-%m}"


def number(value, kind: str) -> str:
    """A count as an integer with thousands separators, a rate in per cent to one
    decimal; a dash for no value."""
    if value is None:
        return "—"
    if kind == "ratio":
        return f"{value:.1f}%"
    return f"{round(value):,}"


def change(value, last, kind: str) -> str:
    """The change since last month, signed (in points for a rate); a dash when either
    is missing."""
    if value is None or last is None:
        return "—"
    delta = round(value - last, 1)
    if kind == "ratio":
        return f"{delta:+.1f}"
    return f"{round(delta):+,}"


@dataclass
class FigureRow:
    key: str
    name: str
    definition: str
    unit: str
    kind: str
    main: bool
    value: str
    last_month: str
    change: str
    year_ago: str
    chart: SafeString | str = ""


@dataclass
class LateCase:
    number: str
    category: str
    area: str
    late: str


@dataclass
class OverdueRow:
    name: str
    households: int


@dataclass
class Content:
    area: Area
    month: datetime.date
    title: str
    month_label: str
    generated_at: datetime.datetime
    figures: list[FigureRow]
    # The main figures' names, and each child's values of them (formatted).
    columns: list[str]
    children: list[tuple[str, list[str]]]
    late_cases: list[LateCase]
    late_count: int
    overdue: list[OverdueRow]
    overdue_total: int
    url: str
    qr: SafeString
    font_family: str = FONT_FAMILY
    notes: list[str] = field(default_factory=list)


def bar_chart(series: list[tuple[str, float | None]], kind: str) -> SafeString:
    """The thirteen months of a figure as bars, the month shown last and darker; a month
    with no value leaves a gap. Inline SVG, drawn here (no script)."""
    values = [v for _m, v in series if v is not None]
    top = max(values, default=0) or 1
    if kind == "ratio":
        top = max(top, 100)
    left, bottom, label_height = 4, CHART_HEIGHT - 14, 12
    step = (CHART_WIDTH - 2 * left) / max(len(series), 1)
    bar = step * 0.7
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{CHART_WIDTH}" '
        f'height="{CHART_HEIGHT}" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img">',
        f'<line x1="{left}" y1="{bottom}" x2="{CHART_WIDTH - left}" y2="{bottom}" '
        'stroke="#999" stroke-width="0.5"/>',
    ]
    for i, (month, value) in enumerate(series):
        x = left + i * step + (step - bar) / 2
        if value is not None:
            height = max((bottom - label_height) * value / top, 0.5 if value else 0)
            colour = "#1f4e99" if i == len(series) - 1 else "#9db4d9"
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - height:.1f}" width="{bar:.1f}" '
                f'height="{height:.1f}" fill="{colour}"/>'
            )
        if i in (0, len(series) - 1) or month.endswith("-01"):
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{CHART_HEIGHT - 3}" font-size="7" '
                f'text-anchor="middle" fill="#555">{escape(month)}</text>'
            )
    last = series[-1][1] if series else None
    if last is not None:
        parts.append(
            f'<text x="{CHART_WIDTH - left}" y="9" font-size="8" text-anchor="end" '
            f'fill="#1f4e99">{escape(number(last, kind))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (numbers and escaped text only)


def qr_svg(url: str) -> SafeString:
    """The QR code of `url`, as inline SVG."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=3, border=2))  # noqa: S308


def _place(code: str, within: str, names: dict) -> str:
    """A case's area by name: the areas from below the report's area down to the case's
    (南门社区 · 第一网格 · 第1单元); its code only where it names no area."""
    parts = [
        names[prefix].name
        for prefix in (code[:n] for n in range(len(within) + 3, len(code) + 1, 3))
        if prefix in names
    ]
    if parts:
        return " · ".join(parts[-3:])
    return names[code].name if code in names else code


def _late_cases(area: Area, now: datetime.datetime) -> tuple[list[LateCase], int]:
    overdue = case_rates.overdue_in(area.code, now=now)
    count = overdue.count()
    cases = list(
        overdue.select_related(None)
        .select_related("category")
        .only("number", "area_code", "due_at", "category__name")[:LATE_CASES]
    )
    prefixes = {case.area_code[:n] for case in cases for n in range(9, len(case.area_code) + 1, 3)}
    names = display.area_names(prefixes)
    return [
        LateCase(
            number=case.number or str(case.pk),
            category=case.category.name,
            area=_place(case.area_code, area.code, names),
            late=display.duration(int((now - case.due_at).total_seconds() // 60)),
        )
        for case in cases
    ], count


def build(area: Area, month: datetime.date, now: datetime.datetime | None = None) -> Content:
    """The content of the report of `area` for `month` (its first day): the month's
    figures, and the overdue cases and households as they are at `now`."""
    now = now or timezone.now()
    cockpit = figures.cockpit(None, area, month, cached=False)
    rows: list[FigureRow] = []
    main_keys: list[str] = []
    for figure in cockpit.figures:
        indicator = figure.indicator
        if indicator is None:
            continue
        kind = indicator.kind
        rows.append(
            FigureRow(
                key=figure.key,
                name=str(indicator.name),
                definition=str(indicator.definition),
                unit=str(indicator.unit),
                kind=kind,
                main=indicator.main,
                value=number(figure.value, kind),
                last_month=number(figure.last_month, kind),
                change=change(figure.value, figure.last_month, kind),
                year_ago=number(figure.year_ago, kind),
                chart=bar_chart(figure.series, kind) if indicator.main else "",
            )
        )
        if indicator.main:
            main_keys.append(figure.key)
    kinds = {row.key: row.kind for row in rows}
    children = [
        (child.name, [number(child.values.get(key), kinds[key]) for key in main_keys])
        for child in cockpit.children
    ]
    late_cases, late_count = _late_cases(area, now)
    overdue = compliance(area, Period.month_of(month), today=timezone.localtime(now).date())
    url = cockpit_url(area.code, month)
    label = month_label(month)
    return Content(
        area=area,
        month=month,
        title=_("%(area)s monthly grid governance report %(month)s")
        % {"area": area.name, "month": label},
        month_label=label,
        generated_at=now,
        figures=rows,
        columns=[row.name for row in rows if row.main],
        children=children,
        late_cases=late_cases,
        late_count=late_count,
        overdue=[OverdueRow(row.name, row.figures.overdue_households) for row in overdue.rows],
        overdue_total=overdue.total.overdue_households,
        url=url,
        qr=qr_svg(url),
    )


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    title: str


def render(area: Area, month: datetime.date, now: datetime.datetime | None = None) -> Rendered:
    """The report as a PDF, in Simplified Chinese."""
    from weasyprint import HTML  # loads pango: only where a report is made

    with translation.override(LANGUAGE):
        content = build(area, month, now)
        html = render_to_string("cockpit/report_pdf.html", {"report": content})
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    return Rendered(pdf=document.write_pdf(), pages=len(document.pages), title=content.title)
