"""What outreach adds to the homes (accounts.homes).

The worker's day: the visits due within a week and the overdue ones (the "today" list).
The chief's village: the overdue households, and the key households without a visit in
the last RECENT_DAYS. A town's or the county's summary: the overdue households under each
child area, which drill down on the "today" page.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from yiwang.accounts import homes, scope
from yiwang.areas import selectors as area_selectors
from yiwang.core.scoping import any_subtree_q
from yiwang.outreach.models import Visit
from yiwang.outreach.selectors import visits as selectors
from yiwang.registry.models import Household, HouseholdCategory, HouseholdStatus

SHOWN = 8
# A key household not visited for this many days is shown on the chief's home.
RECENT_DAYS = 30


def day(request) -> dict:
    lines, cut = selectors.today_lines(request.user)
    overdue = [line for line in lines if line.overdue]
    return {
        "due_lines": lines[:SHOWN],
        "due_count": len(lines),
        "due_cut": cut or len(lines) > SHOWN,
        "due_overdue": len(overdue),
    }


def village(request) -> dict:
    user = request.user
    lines, cut = selectors.today_lines(user)
    overdue = [line for line in lines if line.overdue]
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    codes = scope.scope_codes(user)
    key = Household.objects.filter(
        category=HouseholdCategory.KEY, status=HouseholdStatus.ACTIVE
    ).order_by("area_code", "number")
    if codes is not None:
        key = key.filter(any_subtree_q("area_code", codes))
    visited = Visit.objects.filter(household__isnull=False, visited_at__gte=since).values(
        "household_id"
    )
    unvisited = key.exclude(pk__in=visited)
    shown = list(unvisited[: SHOWN + 1])
    return {
        "overdue_lines": overdue[:SHOWN],
        "overdue_count": len(overdue),
        "overdue_cut": cut or len(overdue) > SHOWN,
        "unvisited": shown[:SHOWN],
        "unvisited_count": unvisited.count() if len(shown) > SHOWN else len(shown),
        "recent_days": RECENT_DAYS,
    }


def summary(request) -> dict | None:
    area = area_selectors.default_area(request.user)
    if area is None:
        return None
    rows = selectors.overdue_by_child(area)
    return {
        "area": area,
        "overdue_rows": rows,
        "overdue_total": sum(r.overdue_households for r in rows),
    }


def register() -> None:
    """Called from OutreachConfig.ready()."""
    for panel in (
        homes.Panel("outreach.day", (homes.WORKER,), "outreach/home/day.html", day, 10),
        homes.Panel("outreach.village", (homes.CHIEF,), "outreach/home/village.html", village, 20),
        homes.Panel(
            "outreach.summary",
            (homes.TOWN, homes.COUNTY),
            "outreach/home/summary.html",
            summary,
            20,
        ),
    ):
        homes.register(panel)
