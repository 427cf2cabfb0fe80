"""Volunteering rolled up the tree: for an area and a period, per child area and in total,
the volunteers and teams there are, the activities held, the services done (check-outs
whose credit hours were approved), the approved credit and honour hours, the wishes
recorded and fulfilled and those still waiting. Each figure is one GROUP BY on the
child's code prefix (`core.reporting.child_prefix`), never a query per area. The caller
checks that the area is in the viewer's scope (`yiwang.areas.selectors.area_in_scope`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from yiwang.areas import codes
from yiwang.areas import selectors as areas
from yiwang.areas.models import Area
from yiwang.core.reporting import ByChild, Period, child_prefix
from yiwang.core.scoping import subtree_q
from yiwang.volunteering.models import (
    Activity,
    ActivityStatus,
    HoursKind,
    HoursRecord,
    HoursStatus,
    Team,
    Volunteer,
    Wish,
    WishStatus,
)

HOURS_FIELDS = ("credit_hours", "honour_hours")


@dataclass
class Figures:
    """Counts, and hours as Decimals (to the hundredth, as recorded)."""

    volunteers: int = 0
    teams: int = 0
    activities: int = 0
    services: int = 0
    credit_hours: Decimal = Decimal("0")
    honour_hours: Decimal = Decimal("0")
    wishes: int = 0
    wishes_fulfilled: int = 0
    wishes_waiting: int = 0

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(cls.__dataclass_fields__)

    def add(self, values, names=None) -> None:
        for name in names if names is not None else self.names():
            value = values[name] if isinstance(values, dict) else getattr(values, name)
            if name in HOURS_FIELDS:
                setattr(self, name, getattr(self, name) + Decimal(value or 0))
            else:
                setattr(self, name, getattr(self, name) + int(value or 0))

    def as_data(self) -> dict:
        """The figures as the API answers them: hours as strings with two decimals."""
        return {
            name: f"{getattr(self, name):.2f}" if name in HOURS_FIELDS else getattr(self, name)
            for name in self.names()
        }


@dataclass
class Row:
    code: str
    name: str
    level: str
    has_children: bool = False
    figures: Figures = field(default_factory=Figures)


@dataclass
class Rollup:
    area: Area
    period: Period
    total: Figures
    rows: list[Row]


def rollup(area: Area, period: Period) -> Rollup:
    """The figures of each child of `area` over `period` (whole days) and their total:
    five GROUP BY queries and the tree's two, whatever the size of the county."""
    n = areas.child_length(area)
    by_child = ByChild(
        n,
        rows={
            c["code"]: Row(c["code"], c["name"], c["level"], has_children=c["has_children"])
            for c in areas.children(area)
        },
        new_row=lambda code: Row(code, code, codes.LEVEL_BY_LENGTH.get(n, "")),
        total=Figures(),
    )
    prefix = child_prefix("area_code", n)
    under = subtree_q("area_code", area.code)

    def grouped(queryset, names, **aggregates):
        for r in queryset.filter(under).values(prefix=prefix).annotate(**aggregates).order_by():
            by_child.add(r["prefix"], r, names)

    grouped(Volunteer.objects.filter(is_active=True), ["volunteers"], volunteers=Count("id"))
    grouped(Team.objects.filter(is_active=True), ["teams"], teams=Count("id"))
    grouped(
        Activity.objects.filter(
            starts_at__gte=period.start, starts_at__lt=period.end, status=ActivityStatus.OPEN
        ),
        ["activities"],
        activities=Count("id"),
    )
    # A service: a check-out whose credit hours were approved (the indicator's count).
    credit = Q(kind=HoursKind.CREDIT)
    grouped(
        HoursRecord.objects.filter(
            status=HoursStatus.APPROVED, served_on__gte=period.first, served_on__lte=period.last_day
        ),
        ["services", *HOURS_FIELDS],
        services=Count("id", filter=credit),
        credit_hours=Sum("hours", filter=credit),
        honour_hours=Sum("hours", filter=Q(kind=HoursKind.HONOUR)),
    )
    in_period = Q(created_at__gte=period.start, created_at__lt=period.end)
    grouped(
        Wish.objects.exclude(status=WishStatus.CANCELLED),
        ["wishes", "wishes_fulfilled", "wishes_waiting"],
        wishes=Count("id", filter=in_period),
        wishes_fulfilled=Count(
            "id",
            filter=Q(fulfilled_at__gte=period.start, fulfilled_at__lt=period.end),
        ),
        # Now, whatever the period: what is still waiting for a claimer.
        wishes_waiting=Count("id", filter=Q(status=WishStatus.OPEN)),
    )
    return Rollup(area=area, period=period, total=by_child.total, rows=by_child.sorted())
