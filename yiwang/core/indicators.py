"""The indicators: the figures every module declares once, so that the cockpit, the
reports and the API show the same number everywhere and every number opens its records.

A module registers its indicators from its AppConfig.ready() (`register(Indicator(...))`);
core knows none of the modules above it, and the cockpit, at the top, reads the registry.

A counting indicator is a list the module already has: its model's scoped queryset
(`visible_to(user)`), narrowed by the module's own FilterSet with fixed `params` and the
area (`under`). Its value is that list's count, and its records are the same list through
the API (`records_url`: `count` equals the value) and on the module's page (`page_url`).
One computation path: the filterset the module's pages and API already use.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Count
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise


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
    # The rows the user may read, where the module's list reads more than `visible_to`.
    base: Callable | None = None
    order: int = 100

    def fixed(self) -> dict:
        return self.params() if callable(self.params) else dict(self.params)

    def queryset(self, user, area_code: str):
        model = apps.get_model(self.model)
        rows = self.base(user) if self.base else model.objects.visible_to(user)
        data = {**self.fixed(), "under": area_code}
        filterset = self.filterset(data, queryset=rows)
        if not filterset.is_valid():
            raise ValueError(f"{self.key}: {dict(filterset.errors)}")
        return filterset.qs

    def value(self, user, area_code: str) -> int:
        return self.queryset(user, area_code).order_by().count()

    def by_child(self, user, area_code: str, length: int) -> dict[str, int]:
        """{child area code: value} of the area's children, whose codes are `length`
        digits long: one GROUP BY on the code's prefix, not a count per child."""
        rows = (
            self.queryset(user, area_code)
            .order_by()
            .annotate(child=Substr("area_code", 1, length))
            .values("child")
            .annotate(n=Count("pk", distinct=True))
        )
        return {row["child"]: row["n"] for row in rows}

    def query(self, area_code: str) -> str:
        return urlencode({**self.fixed(), "under": area_code}, doseq=True)

    def records_url(self, area_code: str) -> str:
        return f"{reverse(self.api)}?{self.query(area_code)}"

    def page_url(self, area_code: str) -> str | None:
        return f"{reverse(self.page)}?{self.query(area_code)}" if self.page else None


_indicators: dict[str, Indicator] = {}


def register(*indicators: Indicator) -> None:
    for indicator in indicators:
        if "." not in indicator.key:
            raise ValueError(f"An indicator's key is 'module.name': {indicator.key!r}")
        known = _indicators.get(indicator.key)
        if known is not None and known.module != indicator.module:
            raise ValueError(f"Indicator {indicator.key!r} is already {known.module}'s")
        _indicators[indicator.key] = indicator


def get(key: str) -> Indicator | None:
    return _indicators.get(key)


def all_indicators() -> list[Indicator]:
    return sorted(_indicators.values(), key=lambda i: (i.order, i.key))


@dataclass
class Reading:
    """An indicator's value for an area, when it was computed, and its children's."""

    indicator: Indicator
    area_code: str
    value: int
    as_of: datetime.datetime
    children: list[dict]


def read(indicator: Indicator, user, area_code: str, children=()) -> Reading:
    """The value for the area and for each child area given as (code, name); the child
    areas of one level have codes of one length."""
    children = list(children)
    values = indicator.by_child(user, area_code, len(children[0][0])) if children else {}
    return Reading(
        indicator=indicator,
        area_code=area_code,
        value=indicator.value(user, area_code),
        as_of=timezone.now(),
        children=[
            {
                "code": code,
                "name": name,
                "value": values.get(code, 0),
                "records_url": indicator.records_url(code),
            }
            for code, name in children
        ],
    )
