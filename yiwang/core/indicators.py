"""The indicators: the figures every module declares once, so that the cockpit, the
reports and the API show the same number everywhere and every number opens its records.

A module registers its indicators from its AppConfig.ready() (`register(Indicator(...))`);
core knows none of the modules above it, and the cockpit, at the top, reads the registry.

A counting indicator is a list the module already has: its model's scoped queryset
(`visible_to(user)`), narrowed by the module's own FilterSet with fixed `params` and the
area (`under`). Its value is that list's count, and its records are the same list through
the API (`records_url`: `count` equals the value) and on the module's page (`page_url`).
One computation path: the filterset the module's pages and API already use.

A counting indicator is a state (households, open cases: what there is now; a past month's
value is the cockpit's snapshot taken at that month's end) or a flow (`monthly`: the filter
values that narrow its records to one month, so any month's value is counted from them).

A rate (`Rate`) is a part of a whole, in per cent: the module's own selector computes it
for an area and its children over a period of whole months, from its tallies; its records
are the part's (`page`: the module's page that lists them).

`user` None reads for the system (the monthly snapshot, the monthly report): every row.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Count
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from yiwang.core.reporting import Period

# Each level of the area tree adds three digits to its parent's code.
CHILD_DIGITS = 3


@dataclass(frozen=True)
class Indicator:
    """`key`: "module.name"; `unit`: what one counts (户, 人, 件); `model`: "app.Model";
    `filterset`: the module's FilterSet class; `params`: its fixed filter values; `api`
    and `page`: the URL names of the API list and of the page that list the records."""

    key: str
    name: str | Promise
    definition: str | Promise
    unit: str | Promise
    module: str
    model: str
    filterset: type
    api: str
    page: str | None = None
    # Fixed filter values, or a function answering them (a month's start, say).
    params: dict | Callable[[], dict] = field(default_factory=dict)
    # The rows the user may read, where the module's list reads more than `visible_to`
    # (`base(None)`: every row of the list, for the system).
    base: Callable | None = None
    order: int = 100
    # A flow: the filter values of one month's records (given the month's Period).
    monthly: Callable[[Period], dict] | None = None
    # Whether the cockpit's front shows it (the others are in its table and the API).
    main: bool = True
    # The same values from a tally the module keeps exact (by triggers): `tally(code,
    # length)` answers {area code: value} of the areas of that code length under `code`.
    # Read instead of the records for an area in the viewer's scope (whose subtree they
    # see whole), never for a month gone by.
    tally: Callable[[str, int], dict[str, int]] | None = None

    kind = "count"

    @property
    def is_flow(self) -> bool:
        return self.monthly is not None

    def fixed(self, period: Period | None = None) -> dict:
        if period is not None and self.monthly is not None:
            return self.monthly(period)
        return self.params() if callable(self.params) else dict(self.params)

    def queryset(self, user, area_code: str, period: Period | None = None):
        model = apps.get_model(self.model)
        if self.base is not None:
            rows = self.base(user)
        else:
            rows = model.objects.all() if user is None else model.objects.visible_to(user)
        data = {**self.fixed(period), "under": area_code}
        filterset = self.filterset(data, queryset=rows)
        if not filterset.is_valid():
            raise ValueError(f"{self.key}: {dict(filterset.errors)}")
        return filterset.qs

    def value(self, user, area_code: str, period: Period | None = None) -> int:
        if self.tally is not None:
            return self.tally(area_code, len(area_code)).get(area_code, 0)
        return self.queryset(user, area_code, period).order_by().count()

    def by_child(
        self, user, area_code: str, length: int, period: Period | None = None
    ) -> dict[str, int]:
        """{child area code: value} of the area's children, whose codes are `length`
        digits long: one GROUP BY on the code's prefix, not a count per child."""
        if self.tally is not None:
            return self.tally(area_code, length)
        rows = self.queryset(user, area_code, period).order_by()
        # A row counts once: DISTINCT only where a filter joined another table (a count
        # of a single table's rows can then be read from an index alone).
        joined = len(rows.query.alias_map) > 1
        rows.query.distinct = rows.query.distinct and joined
        grouped = (
            rows.annotate(child=Substr("area_code", 1, length))
            .values("child")
            .annotate(n=Count("pk", distinct=joined))
        )
        return {row["child"]: row["n"] for row in grouped}

    def with_children(
        self, user, area_code: str, period: Period | None = None
    ) -> tuple[int, dict[str, int]]:
        """The area's value and {child code: value}, from one GROUP BY on the children's
        code prefix: the rows placed on the area itself come back under its own code, so
        the groups add up to the area's value."""
        grouped = self.by_child(user, area_code, len(area_code) + CHILD_DIGITS, period)
        return sum(grouped.values()), grouped

    def query(self, area_code: str, period: Period | None = None) -> str:
        return urlencode({**self.fixed(period), "under": area_code}, doseq=True)

    def records_url(self, area_code: str, period: Period | None = None) -> str:
        return f"{reverse(self.api)}?{self.query(area_code, period)}"

    def page_url(self, area_code: str, period: Period | None = None) -> str | None:
        if not self.page:
            return None
        return f"{reverse(self.page)}?{self.query(area_code, period)}"


_shared: ContextVar[dict | None] = ContextVar("indicator_shared_reads", default=None)


@contextmanager
def shared_reads():
    """Within the block, a module's selector read by several indicators (the three case
    rates from one `case_rates`, the two coverages from one `compliance`) is read once per
    area and period (`shared`): one cockpit, one snapshot."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def shared(key: tuple, read: Callable[[], Any]) -> Any:
    """`read()`, or within `shared_reads()` the answer already read under `key`."""
    memo = _shared.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def percent(ratio: Fraction | None) -> float | None:
    """A ratio in per cent, to one decimal; None stays None (nothing to rate)."""
    return None if ratio is None else round(float(ratio) * 100, 1)


@dataclass(frozen=True)
class Rate:
    """A part of a whole in per cent. `compute(area, period)` answers the ratio of the
    area and {child code: ratio} of its children (Fractions, None where the whole is 0)
    over a period of whole months, from the module's selector; `page(area_code, period)`
    the page listing the records of the part."""

    key: str
    name: str | Promise
    definition: str | Promise
    module: str
    compute: Callable[[Any, Period], tuple[Fraction | None, dict[str, Fraction | None]]]
    page: Callable[[str, Period], str | None] | None = None
    order: int = 100
    main: bool = True
    unit: str | Promise = "%"
    # A rate over the month's records (True), or a state's (pairings now: False), whose
    # months gone by are only the snapshots'.
    flow: bool = True

    kind = "ratio"

    @property
    def is_flow(self) -> bool:
        return self.flow

    def read(self, area, period: Period) -> tuple[float | None, dict[str, float | None]]:
        total, children = self.compute(area, period)
        return percent(total), {code: percent(r) for code, r in children.items()}

    def records_url(self, area_code: str, period: Period | None = None) -> None:
        return None

    def page_url(self, area_code: str, period: Period | None = None) -> str | None:
        return self.page(area_code, period or this_month()) if self.page else None


def this_month(today: datetime.date | None = None) -> Period:
    """This month from its first day to its last (in TIME_ZONE)."""
    return Period.month_of(today or timezone.localdate())


_indicators: dict[str, Indicator | Rate] = {}


def register(*indicators: Indicator | Rate) -> None:
    for indicator in indicators:
        if "." not in indicator.key:
            raise ValueError(f"An indicator's key is 'module.name': {indicator.key!r}")
        known = _indicators.get(indicator.key)
        if known is not None and known.module != indicator.module:
            raise ValueError(f"Indicator {indicator.key!r} is already {known.module}'s")
        _indicators[indicator.key] = indicator


def get(key: str) -> Indicator | Rate | None:
    return _indicators.get(key)


def all_indicators() -> list[Indicator | Rate]:
    return sorted(_indicators.values(), key=lambda i: (i.order, i.key))


@dataclass
class Reading:
    """An indicator's value for an area (over a month, for a flow or a rate), when it was
    computed, and its children's."""

    indicator: Indicator | Rate
    area_code: str
    value: int | float | None
    as_of: datetime.datetime
    children: list[dict]
    period: Period | None = None
    # Whether the records behind it can be listed (not for a state's month gone by).
    records: bool = True

    @property
    def records_url(self) -> str | None:
        return self.indicator.records_url(self.area_code, self.period) if self.records else None

    @property
    def page_url(self) -> str | None:
        return self.indicator.page_url(self.area_code, self.period) if self.records else None


def read(
    indicator: Indicator | Rate, user, area, children=(), period: Period | None = None
) -> Reading:
    """The value for the area (an Area in the user's scope: the caller checks) and for
    each child area given as (code, name); the child areas of one level have codes of one
    length. A rate is read over `period` (this month by default)."""
    children = list(children)
    if isinstance(indicator, Rate):
        period = period or this_month()
        value, values = indicator.read(area, period)
    else:
        value, values = indicator.with_children(user, area.code, period)
    empty = None if isinstance(indicator, Rate) else 0
    return Reading(
        indicator=indicator,
        area_code=area.code,
        value=value,
        as_of=timezone.now(),
        period=period,
        children=[
            {
                "code": code,
                "name": name,
                "value": values.get(code, empty),
                "records_url": indicator.records_url(code, period),
                "page_url": indicator.page_url(code, period),
            }
            for code, name in children
        ],
    )
