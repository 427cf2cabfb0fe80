"""Volunteering's overview: volunteers, teams, activities, services, hours and wishes by
child area over whole months, every figure opening its records; and the list of hours
records that the services and hours figures open."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from yiwang.areas import selectors as areas
from yiwang.core import reporting
from yiwang.volunteering import access
from yiwang.volunteering.filters.hours import HoursFilterSet
from yiwang.volunteering.models import HoursKind, HoursStatus
from yiwang.volunteering.selectors import activities as visible
from yiwang.volunteering.selectors import rollups

PAGE_SIZE = 50


def _period(request):
    try:
        period = reporting.parse_months(
            request.GET.get("from", ""), request.GET.get("to", ""), months=12
        )
        return period, {}
    except ValueError as exc:
        return reporting.last_months(12), exc.args[0]


def _links(code: str, period) -> dict[str, str]:
    """The records behind each figure of a row."""
    days = {"since": period.first.isoformat(), "until": period.last_day.isoformat()}

    def url(name: str, **query) -> str:
        return f"{reverse(name)}?{urlencode({'under': code, **query})}"

    approved = {"status": HoursStatus.APPROVED, **days}
    return {
        "volunteers": url("volunteering:volunteers", is_active="true"),
        "teams": url("volunteering:teams", is_active="true"),
        "activities": url("volunteering:activities", status="open", **days),
        "services": url("volunteering:records", kind=HoursKind.CREDIT, **approved),
        "credit_hours": url("volunteering:records", kind=HoursKind.CREDIT, **approved),
        "honour_hours": url("volunteering:records", kind=HoursKind.HONOUR, **approved),
        "wishes": url("volunteering:wishes", **days),
        "wishes_fulfilled": url(
            "volunteering:wishes",
            fulfilled_since=days["since"],
            fulfilled_until=days["until"],
        ),
        "wishes_waiting": url("volunteering:wishes", status="open"),
    }


FIGURES = [
    ("volunteers", gettext_lazy("Volunteers")),
    ("teams", gettext_lazy("Teams")),
    ("activities", gettext_lazy("Activities")),
    ("services", gettext_lazy("Services")),
    ("credit_hours", gettext_lazy("Credit hours")),
    ("honour_hours", gettext_lazy("Honour hours")),
    ("wishes", gettext_lazy("Wishes recorded")),
    ("wishes_fulfilled", gettext_lazy("Wishes fulfilled")),
    ("wishes_waiting", gettext_lazy("Wishes waiting")),
]


def _cells(figures, links) -> list[tuple]:
    """(key, label, value, link) of each figure, in the page's order."""
    return [(key, label, getattr(figures, key), links[key]) for key, label in FIGURES]


@login_required
@require_GET
def overview_page(request):
    """An area's volunteering by child area over whole months (the last twelve by
    default)."""
    user = request.user
    if not access.works_in_an_area(user):
        raise PermissionDenied(_("Your posts do not allow this."))
    period, errors = _period(request)
    code = request.GET.get("area", "").strip()
    area = areas.area_in_scope(user, code) if code else areas.default_area(user)
    context = {"area": area, "period": period, "errors": errors, "figures": FIGURES}
    if area is not None:
        found = rollups.rollup(area, period)
        here = {"from": f"{period.first:%Y-%m}", "to": f"{period.last:%Y-%m}"}
        rows = []
        for row in found.rows:
            drill = ""
            if row.has_children:
                query = urlencode({"area": row.code, **here})
                drill = f"{reverse('volunteering:overview')}?{query}"
            rows.append(
                {
                    "row": row,
                    "cells": _cells(row.figures, _links(row.code, period)),
                    "drill_url": drill,
                }
            )
        context.update(
            rows=rows,
            total=_cells(found.total, _links(area.code, period)),
            crumbs=areas.crumbs(user, area),
            here=here,
        )
    return render(request, "volunteering/overview.html", context)


@login_required
@require_GET
def records_page(request):
    """Hours records of the scope (and one's own), by the hours filters: the records
    behind the overview's services and hours."""
    user = request.user
    if not access.works_in_an_area(user):
        raise PermissionDenied(_("Your posts do not allow this."))
    found = HoursFilterSet(
        request.GET,
        queryset=visible.hours_visible_to(user)
        .select_related("volunteer", "activity")
        .order_by("-served_on", "-id"),
    )
    if not found.is_valid():
        return HttpResponseBadRequest(
            " ".join(m for messages in found.errors.values() for m in messages)
        )
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteering/records.html",
        {"filter": found, "page_obj": page, "count": page.paginator.count},
    )


urlpatterns = [
    path("volunteering/", overview_page, name="overview"),
    path("volunteering/records/", records_page, name="records"),
]


def register() -> None:
    from yiwang.core import menus

    menus.register(
        menus.MenuItem(
            "volunteering.overview",
            gettext_lazy("Volunteering overview"),
            "volunteering:overview",
            "volunteering",
            1,
            visible=access.works_in_an_area,
        ),
        menus.MenuItem(
            "volunteering.records",
            gettext_lazy("Hours records"),
            "volunteering:records",
            "volunteering",
            60,
            visible=access.works_in_an_area,
        ),
    )
