"""The three rates of cases — response, on-time resolution, satisfaction — by area (the
children of an area), by department, by category or by month, and the overdue list.

- response rate: cases answered in time / cases answered (accepted, rejected or merged:
  the first answer sets `responded_on_time` against the acceptance due time);
- on-time resolution rate: cases resolved in time / cases resolved;
- satisfaction rate: cases rated satisfied or basically satisfied / cases rated.

Each counts the cases reported in a period of whole months (in TIME_ZONE), in the subtree
of an area; the caller checks that the area is in the user's scope. For a county or a
town the figures come from `CaseTally` (per town, month, category and department, and per
village and month; kept by triggers): one query, whatever the number of cases. For a
village and below they come from the cases themselves, a few thousand a year: one query
too. Never a query per node.

Every row says which cases lie behind it as filters of the case list (`CaseFilterSet`), so
that each figure opens the cases it counts: the row's filters, the period's, and the
figure's own (`FIGURE_FILTERS`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.areas import codes
from yiwang.areas import selectors as areas
from yiwang.areas.models import Area
from yiwang.cases import states
from yiwang.cases.models import Case, CaseTally, Category, Department, Satisfaction
from yiwang.core import reporting
from yiwang.core.replica import reads_on_replica
from yiwang.core.reporting import Ratio
from yiwang.core.scoping import subtree_q

GROUP_BY = {
    "area": gettext_lazy("Area"),
    "department": gettext_lazy("Department"),
    "category": gettext_lazy("Category"),
    "month": gettext_lazy("Month"),
}
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)
OPEN_STAGES = sorted(states.OPEN)
# The tally holds towns and villages: the rates of an area of this code length or shorter
# are read from it.
TOWN_LENGTH = codes.LENGTH_BY_LEVEL["town"]
DEFAULT_MONTHS = 12

# The case-list filters of each figure (added to its row's and the period's).
FIGURE_FILTERS: dict[str, dict[str, str | list[str]]] = {
    "cases": {},
    "responded": {"response": "any"},
    "responded_on_time": {"response": "on_time"},
    "resolved": {"resolution": "any"},
    "resolved_on_time": {"resolution": "on_time"},
    "rated": {"rated": "true"},
    "satisfied": {"satisfaction": list(SATISFIED)},
}


# --- the period -----------------------------------------------------------------------


@dataclass(frozen=True)
class Period(reporting.MonthPeriod):
    """Whole months, from the month of `first` to the month of `last` (first days)."""

    def filters(self) -> dict[str, str]:
        """The case-list filters of the period: the days it spans."""
        return {
            "reported_after": self.first.isoformat(),
            "reported_before": self.last_day.isoformat(),
        }


def default_period(today: datetime.date | None = None) -> Period:
    """The last DEFAULT_MONTHS months, this one included."""
    return reporting.last_months(DEFAULT_MONTHS, today, cls=Period)


def parse_period(first: str, last: str, today: datetime.date | None = None) -> Period:
    """The period between two months given as text (`reporting.parse_months`): by default
    the twelve months up to this one. ValueError({field: message}) when a month cannot be
    read or they are the wrong way round."""
    return reporting.parse_months(first, last, today, months=DEFAULT_MONTHS, cls=Period)


# --- the figures ----------------------------------------------------------------------


@dataclass
class Figures(reporting.Figures):
    """The counts of some cases, and the three rates they make (None: nothing to rate)."""

    cases: int = 0
    responded: int = 0
    responded_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    rated: int = 0
    satisfied: int = 0

    response_rate = Ratio("responded_on_time", "responded")
    on_time_rate = Ratio("resolved_on_time", "resolved")
    satisfaction_rate = Ratio("satisfied", "rated")


COUNTS = Figures.counts()


@dataclass
class Row:
    """One line of the rates: an area, a department, a category or a month."""

    key: str
    label: str
    figures: Figures = field(default_factory=Figures)
    # The case-list filters that select the cases behind the row (period included).
    filters: dict[str, str] = field(default_factory=dict)
    # For an area: its code, when it has areas below it to drill into.
    drill: str = ""


@dataclass
class Rates:
    area: Area
    group_by: str
    period: Period
    total: Figures
    rows: list[Row]
    # Where the counts came from: "tally" (CaseTally) or "cases".
    source: str


def cases_query(filters: dict, figure: str = "cases") -> str:
    """The query string of the case list that shows the cases behind a figure."""
    return urlencode({**filters, **FIGURE_FILTERS[figure]}, doseq=True)


def _tally_sums() -> dict:
    return {name: Sum(name) for name in COUNTS}


def _case_counts() -> dict:
    return {
        "cases": Count("pk"),
        "responded": Count("responded_on_time"),
        "responded_on_time": Count("pk", filter=Q(responded_on_time=True)),
        "resolved": Count("resolved_on_time"),
        "resolved_on_time": Count("pk", filter=Q(resolved_on_time=True)),
        "rated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count("pk", filter=Q(satisfaction__in=SATISFIED)),
    }


def _from_tally(area: Area) -> bool:
    """Whether the tally can answer: for a county or a town (its rows are per town, and
    per village), not below."""
    return len(area.code) <= TOWN_LENGTH


def _grouped(area: Area, group_by: str, period: Period, tally: bool) -> Iterable[dict]:
    """One query: the counts of the area's subtree in the period, per `key` — a town or a
    village of the tally, or the child's code, for "area"; else the department's id (0 or
    None: none), the category's id, or the month."""
    if tally:
        queryset = CaseTally.objects.filter(
            subtree_q("area_code", area.code), month__gte=period.first, month__lte=period.last
        )
        if group_by == "area" and len(area.code) == TOWN_LENGTH:
            queryset = queryset.filter(category_pk=0)  # the villages' rows
        else:
            queryset = queryset.filter(category_pk__gt=0)  # the towns' rows
        key = {
            "area": "area_code",  # towns or villages, summed into the children here
            "department": "department_pk",
            "category": "category_pk",
            "month": "month",
        }[group_by]
        return queryset.values(key=F(key)).annotate(**_tally_sums()).order_by()
    queryset = Case.objects.filter(
        subtree_q("area_code", area.code),
        reported_at__gte=period.start,
        reported_at__lt=period.end,
    )
    key = {
        "area": reporting.child_prefix("area_code", areas.child_length(area)),
        "department": F("assignee_department_id"),
        "category": F("category_id"),
        "month": TruncMonth("reported_at"),
    }[group_by]
    return queryset.values(key=key).annotate(**_case_counts()).order_by()


def _area_rows(area: Area, grouped: Iterable[dict], period: Period) -> tuple[list[Row], Figures]:
    children = areas.children(area)

    def row(code: str, label: str, drill: str = "") -> Row:
        return Row(key=code, label=label, filters={"under": code, **period.filters()}, drill=drill)

    own = Row(
        key=area.code,
        label=_("Directly at %(name)s") % {"name": area.name},
        filters={"area_code": area.code, **period.filters()},
    )
    by_child = reporting.ByChild(
        areas.child_length(area),
        rows={
            c["code"]: row(c["code"], c["name"], c["code"] if c["has_children"] else "")
            for c in children
        },
        # Below a child that is not in the tree (any more): still counted.
        new_row=lambda code: row(code, code),
        total=Figures(),
        own=own,  # lies on the area itself, not below it
    )
    for values in grouped:
        by_child.add(values["key"], values)
    closed = {c["code"] for c in children if c["closed_on"] is not None}
    result = [
        child
        for child in by_child.sorted()
        if child.key not in closed or child.figures.cases  # a closed area only if it had cases
    ]
    if own.figures.cases:
        result.append(own)
    return result, by_child.total


def _department_rows(area, grouped, period) -> tuple[list[Row], Figures]:
    """Per department the cases are with: those of the area's county or town (and of the
    towns below it), and any other that has cases here. The total is every case."""
    departments = {
        d["id"]: d
        for d in Department.objects.order_by("area_code", "name").values(
            "id", "code", "name", "area_code", "is_active"
        )
    }

    def row(d) -> Row:
        filters = {"under": area.code, "department": d["code"], **period.filters()}
        return Row(key=d["code"], label=d["name"], filters=filters)

    rows = {
        pk: row(d)
        for pk, d in departments.items()
        if d["is_active"]
        and (area.code.startswith(d["area_code"]) or d["area_code"].startswith(area.code))
    }
    total = Figures()
    for values in grouped:
        pk = values["key"] or 0
        total.add(values)
        if pk:
            if pk not in rows:
                rows[pk] = row(departments.get(pk, {"code": str(pk), "name": str(pk)}))
            rows[pk].figures.add(values)
    order = {pk: i for i, pk in enumerate(departments)}
    return [rows[pk] for pk in sorted(rows, key=lambda pk: order.get(pk, len(order)))], total


def _category_rows(area, grouped, period) -> tuple[list[Row], Figures]:
    """Per top-level category, its sub-categories' cases included (as the case list's
    category filter takes them)."""
    categories = list(
        Category.objects.order_by("kind", "order", "code").values(
            "id", "code", "name", "parent_id", "is_active"
        )
    )
    top_of = {c["id"]: c["parent_id"] or c["id"] for c in categories}
    rows = {
        c["id"]: Row(
            key=c["code"],
            label=c["name"],
            filters={"under": area.code, "category": c["code"], **period.filters()},
        )
        for c in categories
        if c["parent_id"] is None
    }
    active = {c["id"] for c in categories if c["is_active"]}
    total = Figures()
    for values in grouped:
        top = top_of.get(values["key"], values["key"])
        if top in rows:
            rows[top].figures.add(values)
        total.add(values)
    return [row for pk, row in rows.items() if pk in active or row.figures.cases], total


def _month_rows(area, grouped, period) -> tuple[list[Row], Figures]:
    rows = {
        month: Row(
            key=f"{month:%Y-%m}",
            label=f"{month:%Y-%m}",
            filters={"under": area.code, **Period.month(month).filters()},
        )
        for month in period.months()
    }
    total = Figures()
    for values in grouped:
        month = reporting.month_of(values["key"])
        if month in rows:
            rows[month].figures.add(values)
            total.add(values)
    return list(rows.values()), total


_ROWS = {
    "area": _area_rows,
    "department": _department_rows,
    "category": _category_rows,
    "month": _month_rows,
}


@reads_on_replica
def case_rates(area: Area, group_by: str = "area", period: Period | None = None) -> Rates:
    """The three rates of the cases reported in `period` (the last twelve months by
    default) in the subtree of `area`, per child area, department, category or month,
    and in total. The caller checks that the area is in the user's scope."""
    if group_by not in GROUP_BY:
        raise ValueError(f"unknown grouping {group_by!r}")
    period = period or default_period()
    tally = _from_tally(area)
    rows, total = _ROWS[group_by](area, _grouped(area, group_by, period, tally), period)
    return Rates(
        area=area,
        group_by=group_by,
        period=period,
        total=total,
        rows=rows,
        source="tally" if tally else "cases",
    )


@reads_on_replica
def rates_from_cases(area: Area, group_by: str, period: Period) -> Rates:
    """The same figures counted from the cases, whatever the area: the check of the
    tally (tests, the benchmark), and the baseline it is measured against."""
    rows, total = _ROWS[group_by](area, _grouped(area, group_by, period, False), period)
    return Rates(area, group_by, period, total, rows, "cases")


# --- the overdue list -----------------------------------------------------------------


def _overdue(cases: QuerySet[Case], area_code: str, now: datetime.datetime | None):
    queryset = (
        # The open stages by name, not "not finished": the (status, due_at) index then
        # reads the overdue ones only, a few thousand among a million.
        cases.filter(status__in=OPEN_STAGES, due_at__lt=now or timezone.now(), parked=False)
        .select_related("category", "assignee_department")
        .order_by("due_at", "id")
    )
    if area_code:
        queryset = queryset.filter(subtree_q("area_code", area_code))
    return queryset


def overdue(user, area_code: str = "", now: datetime.datetime | None = None) -> QuerySet[Case]:
    """Open cases of the user's scope (and departments) whose current stage is past its
    due time, the most overdue first; parked cases, whose deadlines stop, are left out.
    `area_code` narrows it to a subtree."""
    return _overdue(Case.objects.visible_to(user), area_code, now)


def overdue_in(area_code: str, now: datetime.datetime | None = None) -> QuerySet[Case]:
    """The same list read for the system (every case under `area_code`, whoever may see
    it): the monthly report, made by a task for an area the caller has checked. Not for a
    page or the API, which read `overdue(user, …)`."""
    if not area_code:
        raise ValueError("overdue_in needs an area code")
    return _overdue(Case.objects.all(), area_code, now)


def overdue_count(now: datetime.datetime | None = None) -> int:
    """How many open cases are overdue in the whole system (the metrics' gauge): one
    count on the (status, due_at) index."""
    return _overdue(Case.objects.all(), "", now).order_by().count()
