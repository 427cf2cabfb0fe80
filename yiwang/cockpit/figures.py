"""The cockpit of an area: every indicator's value this month (or in a month gone by),
against last month and a year ago, the thirteen months of its chart, and each child
area's value — the figures of the page, the big screen and the monthly report.

This month is read live (`yiwang.core.indicators.read`: the module's own list and
filters); the months before come from the monthly snapshots (`Snapshot`), except a flow
or a rate whose month was not taken, which is computed. The whole is kept in the cache
for `COCKPIT_CACHE_SECONDS`, under a key that holds the viewer's scope: a cockpit filled
for one scope never answers another.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas import selectors as areas
from yiwang.areas.models import Area
from yiwang.cockpit.models import Snapshot
from yiwang.core import indicators, reporting
from yiwang.core.replica import reads_on_replica
from yiwang.core.reporting import Period, add_months

MONTHS = 13  # the chart: the month shown and the twelve before it
# Every figure is read for an area in the viewer's scope (the pages and the API check it
# first), whose whole subtree the viewer sees: the rows under it are the same for every
# reader (a user's extras — a department's cases, their own visits elsewhere — lie outside
# it), so they are counted as the system reads them, on the indexes of the area's subtree
# alone. The cache keeps them apart by scope all the same.
SUBTREE = None


@dataclass
class Figure:
    key: str
    value: int | float | None
    last_month: int | float | None
    year_ago: int | float | None
    # [("YYYY-MM", value or None)], oldest first, ending with the month shown.
    series: list[tuple[str, int | float | None]]
    records_url: str | None
    page_url: str | None

    @property
    def indicator(self):
        return indicators.get(self.key)

    @property
    def change(self) -> int | float | None:
        if self.value is None or self.last_month is None:
            return None
        return round(self.value - self.last_month, 1)


@dataclass
class Child:
    code: str
    name: str
    level: str
    has_children: bool
    values: dict[str, int | float | None] = field(default_factory=dict)


@dataclass
class Cockpit:
    area_code: str
    month: datetime.date
    current: bool
    as_of: datetime.datetime
    figures: list[Figure]
    children: list[Child]

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)


def month_asked(text: str) -> datetime.date | None:
    """The month a page or the API asks for as YYYY-MM (None: this month); ValueError with
    the reason for a month that cannot be read or has not come yet."""
    if not text.strip():
        return None
    month = reporting.parse_month(text)
    if month > timezone.localdate().replace(day=1):
        raise ValueError(_("That month has not come yet."))
    return month


def _fresh_since(now: datetime.datetime) -> datetime.datetime:
    """The oldest refresh a cockpit still reads: three refresh periods ago."""
    return now - datetime.timedelta(minutes=3 * settings.COCKPIT_REFRESH_MINUTES)


def scope_key(user) -> str:
    """Whose scope a cached cockpit was computed for: the roots of the viewer's posts."""
    if user is None:
        return "system"
    roots = scope.scope_codes(user)
    text = "*" if roots is None else ",".join(sorted(roots))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _cache_key(user, area: Area, month: datetime.date) -> str:
    return f"cockpit:v1:{area.code}:{month:%Y-%m}:{scope_key(user)}"


def cockpit(
    user, area: Area, month: datetime.date | None = None, *, cached: bool = True
) -> Cockpit:
    """The cockpit of `area` (in the user's scope: the caller checks; None reads for the
    system) for `month` (this month by default), from the cache when it is there and
    `cached` (the monthly report computes it afresh)."""
    today = timezone.localdate()
    month = (month or today).replace(day=1)
    key = _cache_key(user, area, month)
    data = cache.get(key) if cached else None
    if data is None or not cached:
        with indicators.shared_reads():
            data = asdict(_compute(area, month, today))
        cache.set(key, data, settings.COCKPIT_CACHE_SECONDS)
    return Cockpit(
        area_code=data["area_code"],
        month=data["month"],
        current=data["current"],
        as_of=data["as_of"],
        figures=[Figure(**f) for f in data["figures"]],
        children=[Child(**c) for c in data["children"]],
    )


@reads_on_replica
def _compute(area: Area, month: datetime.date, today: datetime.date) -> Cockpit:
    period = Period.month_of(month)
    current = month == today.replace(day=1)
    children = [c for c in areas.children(area) if c["closed_on"] is None or c["closed_on"] > today]
    pairs = [(c["code"], c["name"]) for c in children]
    codes = [area.code, *(c["code"] for c in children)]
    first = add_months(month, 1 - MONTHS)
    kept: dict[tuple[str, str, datetime.date], float | None] = {}
    # This month's values as the periodic refresh counted them, while fresh enough.
    refreshed: dict[tuple[str, str], tuple[float | None, datetime.datetime]] = {}
    now = timezone.now()
    fresh_since = _fresh_since(now)
    for key, code, m, value, taken_at in Snapshot.objects.filter(
        area_code__in=codes, month__gte=first, month__lte=month
    ).values_list("key", "area_code", "month", "value", "taken_at"):
        if m < today.replace(day=1):
            kept[(key, code, m)] = value
        elif current and taken_at >= fresh_since:
            refreshed[(key, code)] = (value, taken_at)
    as_of = now
    figures: list[Figure] = []
    values_by_child: dict[str, dict] = {c["code"]: {} for c in children}
    for indicator in indicators.all_indicators():
        timed = period if indicator.is_flow else None
        if current and all((indicator.key, code) in refreshed for code in codes):
            value = refreshed[(indicator.key, area.code)][0]
            child_values = {code: refreshed[(indicator.key, code)][0] for code, _n in pairs}
            as_of = min(as_of, *(refreshed[(indicator.key, code)][1] for code in codes))
        elif current or indicator.is_flow and (indicator.key, area.code, month) not in kept:
            reading = indicators.read(indicator, SUBTREE, area, pairs, timed)
            value = reading.value
            child_values = {c["code"]: c["value"] for c in reading.children}
        else:
            value = kept.get((indicator.key, area.code, month))
            child_values = {code: kept.get((indicator.key, code, month)) for code, _n in pairs}
        for code, v in child_values.items():
            values_by_child[code][indicator.key] = v

        def past(m: datetime.date, indicator=indicator):
            if (indicator.key, area.code, m) in kept:
                return kept[(indicator.key, area.code, m)]
            return None

        last = add_months(month, -1)
        year = add_months(month, -12)
        last_value, year_value = past(last), past(year)
        if indicator.is_flow:
            # A flow or a rate whose month was not taken is computed: it is in its records.
            if (indicator.key, area.code, last) not in kept:
                last_value = _live(indicator, area, Period.month_of(last))
            if (indicator.key, area.code, year) not in kept:
                year_value = _live(indicator, area, Period.month_of(year))
        series = [
            (f"{m:%Y-%m}", past(m)) for m in (add_months(first, n) for n in range(MONTHS - 1))
        ]
        series[0] = (f"{year:%Y-%m}", year_value)
        series[-1] = (f"{last:%Y-%m}", last_value)
        series.append((f"{month:%Y-%m}", value))
        # The records behind a state are today's: a month gone by has no list.
        listed = current or indicator.is_flow
        figures.append(
            Figure(
                key=indicator.key,
                value=value,
                last_month=last_value,
                year_ago=year_value,
                series=series,
                records_url=indicator.records_url(area.code, timed) if listed else None,
                page_url=indicator.page_url(area.code, timed) if listed else None,
            )
        )
    return Cockpit(
        area_code=area.code,
        month=month,
        current=current,
        # The oldest count shown: this month's refreshed values, or now.
        as_of=as_of,
        figures=figures,
        children=[
            Child(
                code=c["code"],
                name=c["name"],
                level=c["level"],
                has_children=c["has_children"],
                values=values_by_child[c["code"]],
            )
            for c in children
        ],
    )


def _live(indicator, area: Area, period: Period) -> int | float | None:
    if isinstance(indicator, indicators.Rate):
        return indicator.read(area, period)[0]
    return indicator.value(SUBTREE, area.code, period)


@reads_on_replica
def read_month(
    indicator,
    area: Area,
    children: list[tuple[str, str]],
    month: datetime.date | None,
    *,
    refreshed: bool = False,
) -> indicators.Reading:
    """An indicator's value for an area and its children in a month (this month by
    default): live for this month and for a flow or a rate; a state's month gone by from
    its snapshots (None where none was taken), with no records behind it. `refreshed`:
    this month from the periodic refresh while it is fresh (the maps), else live (the
    indicators' API, whose value is its list's count now)."""
    this = timezone.localdate().replace(day=1)
    if month is None or month >= this:
        if refreshed:
            reading = _refreshed(indicator, area, children)
            if reading is not None:
                return reading
        return indicators.read(indicator, SUBTREE, area, children)
    period = Period.month_of(month)
    if indicator.is_flow:
        return indicators.read(indicator, SUBTREE, area, children, period)
    kept = dict(
        Snapshot.objects.filter(
            key=indicator.key,
            area_code__in=[area.code, *(code for code, _name in children)],
            month=period.first,
        ).values_list("area_code", "value")
    )
    return indicators.Reading(
        indicator=indicator,
        area_code=area.code,
        value=kept.get(area.code),
        as_of=timezone.now(),
        period=period,
        children=[
            {
                "code": code,
                "name": name,
                "value": kept.get(code),
                "records_url": None,
                "page_url": None,
            }
            for code, name in children
        ],
        records=False,
    )


def _refreshed(indicator, area: Area, children: list[tuple[str, str]]):
    """This month's reading from the refresh, if it holds the area and every child and is
    fresh; None otherwise."""
    codes = [area.code, *(code for code, _name in children)]
    fresh_since = _fresh_since(timezone.now())
    kept = {
        code: (value, taken_at)
        for code, value, taken_at in Snapshot.objects.filter(
            key=indicator.key,
            area_code__in=codes,
            month=timezone.localdate().replace(day=1),
            taken_at__gte=fresh_since,
        ).values_list("area_code", "value", "taken_at")
    }
    if any(code not in kept for code in codes):
        return None
    period = indicators.this_month() if indicator.is_flow else None
    return indicators.Reading(
        indicator=indicator,
        area_code=area.code,
        value=kept[area.code][0],
        as_of=min(taken_at for _value, taken_at in kept.values()),
        period=period,
        children=[
            {
                "code": code,
                "name": name,
                "value": kept[code][0],
                "records_url": indicator.records_url(code, period),
                "page_url": indicator.page_url(code, period),
            }
            for code, name in children
        ],
    )
