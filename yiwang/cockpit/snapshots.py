"""Taking the monthly snapshots (`Snapshot`): every indicator's value for every area of a
county and a month, written once the month has ended (the monthly task, on the 1st).

- a state (households, open cases) is read as it is now: taken on the 1st, that is its
  value at the end of the month just ended;
- a flow (visits made, cases reported) is counted over the month's records, and a rate is
  computed over the month: both can be taken for any past month (`backfill`).

Every level at once: a counting indicator is one GROUP BY on the code prefix per level
(five queries for a county), a rate one call of the module's selector per county, town
and village (which gives its children's too: rates are kept down to the grids). Never a
count per area.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from yiwang.areas import codes
from yiwang.areas.models import Area
from yiwang.cockpit.models import Snapshot
from yiwang.core import audit, indicators
from yiwang.core.indicators import Indicator, Rate
from yiwang.core.reporting import Period, add_months

logger = logging.getLogger(__name__)

LEVEL_LENGTHS = sorted(codes.LEVEL_BY_LENGTH)
RATE_PARENT_LEVELS = ("county", "town", "village")


def _count_values(indicator: Indicator, county: str, period: Period | None) -> dict[str, float]:
    values: dict[str, float] = {county: indicator.value(None, county, period)}
    for length in LEVEL_LENGTHS:
        if length > len(county):
            # A row placed on an area above this level comes back under its own, shorter
            # code: not a value of this level's.
            grouped = indicator.by_child(None, county, length, period)
            values.update({code: n for code, n in grouped.items() if len(code) == length})
    return values


def _rate_values(rate: Rate, parents: list[Area], period: Period) -> dict[str, float | None]:
    values: dict[str, float | None] = {}
    for area in parents:
        total, children = rate.read(area, period)
        length = len(area.code) + codes.SUFFIX_DIGITS
        # The rows on the parent itself are its own, counted in its total only.
        values.update({code: r for code, r in children.items() if len(code) == length})
        values[area.code] = total
    return values


def _rows(wanted, county: Area, areas: list[str], parents, period: Period, now) -> list[Snapshot]:
    rows: list[Snapshot] = []
    for indicator in wanted:
        if isinstance(indicator, Rate):
            values = _rate_values(indicator, parents, period)
        else:
            values = _count_values(indicator, county.code, period if indicator.is_flow else None)
        empty = None if isinstance(indicator, Rate) else 0
        rows += [
            Snapshot(
                key=indicator.key,
                area_code=code,
                month=period.first,
                value=values.get(code, empty),
                taken_at=now,
            )
            for code in areas
        ]
    return rows


def take(
    month: datetime.date,
    county: Area,
    *,
    keys: list[str] | None = None,
    flows_only: bool = False,
) -> int:
    """The snapshots of `month` (its first day) for the county and every area in it. A
    flow or a rate taken again is replaced (it is counted from the month's records); a
    state already taken is kept: taken later than the 1st it would be a later state, not
    the month's end. `flows_only` takes the flows and rates alone (a past month, whose
    states are lost). Returns the rows written."""
    period = Period.month_of(month)
    # This month's states are refreshed (`refresh`) until it ends; then the last taken is
    # the month's end.
    ended = period.first < timezone.localdate().replace(day=1)
    taken_states = set(
        Snapshot.objects.filter(month=period.first, area_code=county.code).values_list(
            "key", flat=True
        )
        if ended
        else ()
    )
    wanted = [
        i
        for i in indicators.all_indicators()
        if (keys is None or i.key in keys)
        and (i.is_flow or (not flows_only and i.key not in taken_states))
    ]
    areas = list(
        Area.objects.open()
        .filter(code__startswith=county.code)
        .order_by("code")
        .values_list("code", flat=True)
    )
    # A rate is kept down to the grids (its selector's call per parent: the units' rates
    # of a month gone by are not kept).
    parents = list(
        Area.objects.open()
        .filter(code__startswith=county.code, level__in=RATE_PARENT_LEVELS)
        .order_by("code")
    )
    now = timezone.now()
    with indicators.shared_reads():
        rows = _rows(wanted, county, areas, parents, period, now)
    with transaction.atomic():
        # An upsert: the rows of areas closed since stay as they were taken.
        Snapshot.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["key", "area_code", "month"],
            update_fields=["value", "taken_at"],
        )
        audit.record(
            actor=None,
            action="cockpit.snapshot",
            object_type="cockpit.snapshot",
            object_id=f"{county.code}:{period.first:%Y-%m}",
            object_repr=f"{county.name} {period.first:%Y-%m}",
            area_code=county.code,
            after={"indicators": [i.key for i in wanted], "rows": len(rows)},
        )
    logger.info("Snapshots of %s for %s: %d rows", county.code, f"{month:%Y-%m}", len(rows))
    return len(rows)


def refresh() -> dict[str, int]:
    """This month's values for every county (the periodic task's work, every
    COCKPIT_REFRESH_MINUTES): what the cockpits read, instead of counting the records on
    each request."""
    this = timezone.localdate().replace(day=1)
    return {
        county.code: take(this, county)
        for county in Area.objects.open().filter(level="county").order_by("code")
    }


def take_last_month(today: datetime.date | None = None) -> dict[str, int]:
    """The monthly task's work: the month just ended, for every county."""
    today = today or timezone.localdate()
    last = add_months(today.replace(day=1), -1)
    return {
        county.code: take(last, county)
        for county in Area.objects.open().filter(level="county").order_by("code")
    }


def backfill(county: Area, months: int, today: datetime.date | None = None) -> int:
    """The flows and rates of the `months` months before this one (the states of a past
    month are lost: only the monthly task takes them)."""
    first = (today or timezone.localdate()).replace(day=1)
    return sum(take(add_months(first, -n), county, flows_only=True) for n in range(months, 0, -1))
