"""The cockpit's pages: an area's figures this month (or in a month gone by) against
last month and a year ago, a chart of each, its children one click down and each figure
opening its records; and the same figures on the command centre's big screen."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yiwang.areas import selectors as areas
from yiwang.cockpit import figures, maps

# The figures each child's row shows, and the big screen's ranking.
TABLE_KEYS = ("registry.households", "cases.open", "cases.overdue", "outreach.coverage")


def _month(text: str) -> tuple[datetime.date | None, str]:
    """The month asked for (None: this month) and what is wrong with it, if anything."""
    try:
        return figures.month_asked(text), ""
    except ValueError as exc:
        return None, _("%(reason)s Showing this month.") % {"reason": exc}


def _shown(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "ratio":
        return f"{value:.1f}%"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.0f}"


def _card(figure: figures.Figure) -> dict:
    indicator = figure.indicator
    kind = indicator.kind
    change = figure.change
    return {
        "key": figure.key,
        "dom_id": figure.key.replace(".", "-").replace("_", "-"),
        "chart_id": "chart-" + figure.key.replace(".", "-").replace("_", "-") + "-data",
        "name": indicator.name,
        "definition": indicator.definition,
        "unit": "" if kind == "ratio" else indicator.unit,
        "main": indicator.main,
        "value": _shown(figure.value, kind),
        "last_month": _shown(figure.last_month, kind),
        "year_ago": _shown(figure.year_ago, kind),
        "change": None if change is None else (f"+{change:g}" if change > 0 else f"{change:g}"),
        "trend": "up" if change and change > 0 else "down" if change and change < 0 else "flat",
        "page_url": figure.page_url,
        "chart": {
            "labels": [month for month, _value in figure.series],
            "series": [{"name": str(indicator.name), "data": [v for _m, v in figure.series]}],
            "percent": "%" if kind == "ratio" else "",
            "links": [],
            "kind": "line",
        },
    }


def _context(request, screen: bool = False) -> dict:
    user = request.user
    code = request.GET.get("area", "").strip()
    area = areas.area_in_scope(user, code) if code else areas.default_area(user)
    # The map's drill-down says `period`, the cockpit's form `month`.
    month, month_error = _month(request.GET.get("month") or request.GET.get("period") or "")
    context = {"area": area, "month_error": month_error, "screen": screen}
    if area is None:
        return context
    data = figures.cockpit(user, area, month)
    cards = [_card(f) for f in data.figures if f.indicator is not None]
    here = reverse("cockpit:screen" if screen else "cockpit:cockpit")
    month_query = {"month": f"{data.month:%Y-%m}"} if not data.current else {}
    shown = [c for c in cards if c["key"] in TABLE_KEYS]
    rows = []
    for child in data.children:
        rows.append(
            {
                "code": child.code,
                "name": child.name,
                "url": f"{here}?{urlencode({'area': child.code, **month_query})}",
                "cells": [
                    _shown(child.values.get(c["key"]), figures.indicators.get(c["key"]).kind)
                    for c in shown
                ],
            }
        )
    context.update(
        crumbs=[
            {
                "code": a.code,
                "name": a.name,
                "url": f"{here}?{urlencode({'area': a.code, **month_query})}",
            }
            for a in areas.crumbs(user, area)
        ],
        cockpit=data,
        cards=[c for c in cards if c["main"]],
        more=[c for c in cards if not c["main"]],
        columns=shown,
        rows=rows,
        month_value=f"{data.month:%Y-%m}",
        screen_url=f"{reverse('cockpit:screen')}?{urlencode({'area': area.code})}",
        page_url=f"{reverse('cockpit:cockpit')}?{urlencode({'area': area.code, **month_query})}",
        # Within the cache's life, so that most reloads find it warm.
        refresh=max(30, settings.COCKPIT_CACHE_SECONDS // 5),
    )
    if not screen and maps.can_see_maps(user):
        # The thematic map of the children, for the month shown; a click goes one down.
        params = {**request.GET.dict(), "period": "" if data.current else month_query["month"]}
        context["map"] = maps.panel(area, params)
    return context


@login_required
@require_GET
def cockpit_page(request):
    """The cockpit of an area in the viewer's scope (their first area by default)."""
    context = _context(request)
    response = render(request, "cockpit/cockpit.html", context)
    panel = context.get("map")
    return maps.allow_tiles(response, panel.tiles) if panel else response


@login_required
@require_GET
def screen_page(request):
    """The big screen: the cockpit laid out for 1920×1080, reloading by itself."""
    return render(request, "cockpit/screen.html", _context(request, screen=True))


urlpatterns = [
    path("cockpit/", cockpit_page, name="cockpit"),
    path("cockpit/screen/", screen_page, name="screen"),
]
