"""Compliance of the visits: due versus done, overdue households and coverage, by child
area (towns of a county … units of a grid) and by worker, and the households behind each
figure.

For an area and a period (whole days, by default the current month), per child area and in
total:

- households: active households (the ledger's per-unit tally, `LedgerTally`);
- due: scheduled visits of households due in the period; done, skipped: of those;
- overdue: scheduled visits still open whose due date is before `today` (whenever they
  were due: never stored, computed here); overdue households: the households they concern;
- visited: households visited in the period (any visit recorded once counts); coverage:
  visited / households. For a calendar month (`Period.is_month`) read from the per-unit
  monthly tally (`VisitTally`, kept by yiwang.outreach.services.tally: a household counts
  once a month); any other period counts distinct households over its visits (a monthly tally
  cannot say whether households of two months are the same ones);
- paired: households with a current pairing.

Each figure is one GROUP BY on the child's code prefix (`substr(area_code, 1, n)`) over an
index that holds what the query reads, whatever the size of the tree: never a query per
node. Overdue rows are grouped by unit, so that the same query serves the workers' rows.
The caller checks that the area is in the user's scope (`yiwang.areas.selectors.
area_in_scope`). The period, the figure sets and the rows by child area are the reporting
layer's (yiwang.core.reporting).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from yiwang.accounts.models import Post, Role, User
from yiwang.areas import codes
from yiwang.areas import selectors as areas
from yiwang.areas.models import Area
from yiwang.core import reporting
from yiwang.core.replica import reads_on_replica
from yiwang.core.reporting import Period, Ratio
from yiwang.core.scoping import subtree_q
from yiwang.outreach.models import (
    Pairing,
    ScheduledVisit,
    ScheduleStatus,
    Visit,
    VisitTally,
)
from yiwang.registry.models import Household, HouseholdStatus, LedgerTally

# The lists of households behind the figures (`households_behind`); a worker's visits are
# "visited" with the worker as `visitor`.
BEHIND = ("households", "due", "done", "skipped", "overdue", "visited", "not_visited", "paired")
# The figure whose list each count opens.
FIGURE_LIST = {
    "households": "households",
    "due": "due",
    "done": "done",
    "skipped": "skipped",
    "overdue": "overdue",
    "overdue_households": "overdue",
    "visited": "visited",
    "paired": "paired",
}
SCHEDULE_STATUSES = [s.value for s in ScheduleStatus]


# --- the period -----------------------------------------------------------------------

# Whole days (`reporting.Period`), read from the query's `month`, or `from` and `to`.
parse_period = reporting.parse_days


# --- the figures ----------------------------------------------------------------------


@dataclass
class Figures(reporting.Figures):
    households: int = 0
    due: int = 0
    done: int = 0
    skipped: int = 0
    overdue: int = 0
    overdue_households: int = 0
    visited: int = 0
    paired: int = 0

    done_rate = Ratio("done", "due", "Done of due (None when nothing was due).")
    coverage = Ratio(
        "visited", "households", "Households visited in the period of the active households."
    )


COUNTS = Figures.counts()


@dataclass
class Row:
    code: str
    name: str
    level: str
    figures: Figures = field(default_factory=Figures)
    # Whether it has areas below it to drill into.
    has_children: bool = False


@dataclass
class Compliance:
    area: Area
    period: Period
    today: datetime.date
    total: Figures
    rows: list[Row]


def _scheduled(code: str) -> QuerySet:
    return ScheduledVisit.objects.filter(subtree_q("area_code", code), household__isnull=False)


def _overdue_q(today: datetime.date) -> Q:
    return Q(status=ScheduleStatus.SCHEDULED, due_on__lt=today)


def overdue_by_unit(code: str, today: datetime.date) -> dict[str, tuple[int, int]]:
    """{area code: (overdue rows, overdue households)} under `code`: one query, on the
    open rows past their due date only."""
    rows = (
        _scheduled(code)
        .filter(_overdue_q(today))
        .values("area_code")
        .annotate(n=Count("household_id"), households=Count("household_id", distinct=True))
        .order_by()
    )
    return {r["area_code"]: (r["n"], r["households"]) for r in rows}


@reads_on_replica
def compliance(area: Area, period: Period, today: datetime.date | None = None) -> Compliance:
    """The figures of each child of `area` and their total (see the module's docstring):
    seven queries whatever the size of the tree."""
    today = today or timezone.localdate()
    n = areas.child_length(area)
    by_child = reporting.ByChild(
        n,
        rows={
            c["code"]: Row(c["code"], c["name"], c["level"], has_children=c["has_children"])
            for c in areas.children(area)
        },
        # A child that is no longer in the tree; a row on the area itself counts in the
        # total only.
        new_row=lambda code: Row(code, code, codes.LEVEL_BY_LENGTH.get(n, "")),
        total=Figures(),
    )

    prefix = reporting.child_prefix("area_code", n)
    for r in (
        LedgerTally.objects.filter(subtree_q("area_code", area.code))
        .values(prefix=prefix)
        .annotate(households=Sum("households"))
        .order_by()
    ):
        by_child.add(r["prefix"], r, ["households"])

    # Status first: the (status, due_on, area_code, household) index reads the period's
    # rows of each status as a range, whatever the number of months before it.
    for r in (
        _scheduled(area.code)
        .filter(status__in=SCHEDULE_STATUSES, due_on__gte=period.first, due_on__lte=period.last)
        .values(prefix=prefix)
        .annotate(
            due=Count("household_id"),
            done=Count("household_id", filter=Q(status=ScheduleStatus.DONE)),
            skipped=Count("household_id", filter=Q(status=ScheduleStatus.SKIPPED)),
        )
        .order_by()
    ):
        by_child.add(r["prefix"], r, ["due", "done", "skipped"])

    for code, (overdue, households) in overdue_by_unit(area.code, today).items():
        counts = {"overdue": overdue, "overdue_households": households}
        by_child.add(code, counts, counts)

    # A household lies in one unit, so that distinct households of the children add up.
    # A calendar month reads the tally: one row per unit visited, not the month's visits.
    if period.is_month:
        visited = (
            VisitTally.objects.filter(subtree_q("area_code", area.code), month=period.first)
            .values(prefix=prefix)
            .annotate(n=Sum("households"))
        )
    else:
        visited = (
            Visit.objects.filter(
                subtree_q("area_code", area.code),
                visited_at__gte=period.start,
                visited_at__lt=period.end,
                household__isnull=False,
            )
            .values(prefix=prefix)
            .annotate(n=Count("household_id", distinct=True))
        )
    paired = (
        Pairing.objects.current(today)
        .filter(subtree_q("area_code", area.code), household__isnull=False)
        .values(prefix=prefix)
        .annotate(n=Count("household_id", distinct=True))
    )
    for name, queryset in (("visited", visited), ("paired", paired)):
        for r in queryset.order_by():
            by_child.add(r["prefix"], {name: r["n"]}, [name])

    return Compliance(
        area=area,
        period=period,
        today=today,
        total=by_child.total,
        rows=by_child.sorted(),
    )


# --- by worker ------------------------------------------------------------------------


@dataclass
class WorkerRow:
    user_id: int
    name: str
    # The units of the worker's current posts under the area (none: a visitor only, a
    # cadre or a sponsor who visited here).
    units: list[str] = field(default_factory=list)
    visits: int = 0
    households_visited: int = 0
    overdue: int = 0
    overdue_households: int = 0


@reads_on_replica
def compliance_by_worker(
    area: Area, period: Period, today: datetime.date | None = None
) -> list[WorkerRow]:
    """Each grid worker with a post under `area`, and everyone else who visited there in
    the period: visits made in the period, households visited, and the overdue rows of
    the units of their posts. Four queries; by unit, then name."""
    today = today or timezone.localdate()
    workers: dict[int, WorkerRow] = {}
    for post in (
        Post.objects.current(today)
        .filter(subtree_q("area_code", area.code), role=Role.GRID_WORKER)
        .values("user_id", "area_code", "user__full_name", "user__username")
        .order_by("area_code", "user_id")
    ):
        worker = workers.setdefault(
            post["user_id"],
            WorkerRow(post["user_id"], post["user__full_name"] or post["user__username"]),
        )
        worker.units.append(post["area_code"])
    visits = (
        Visit.objects.filter(
            subtree_q("area_code", area.code),
            visited_at__gte=period.start,
            visited_at__lt=period.end,
            household__isnull=False,
        )
        .values("visitor_id")
        .annotate(n=Count("household_id"), households=Count("household_id", distinct=True))
        .order_by()
    )
    visits = {r["visitor_id"]: r for r in visits}
    others = set(visits) - set(workers)
    for user in User.objects.filter(pk__in=others).values("id", "full_name", "username"):
        workers[user["id"]] = WorkerRow(user["id"], user["full_name"] or user["username"])
    overdue = overdue_by_unit(area.code, today)
    for worker in workers.values():
        if worker.user_id in visits:
            worker.visits = visits[worker.user_id]["n"]
            worker.households_visited = visits[worker.user_id]["households"]
        for unit in worker.units:
            rows, households = overdue.get(unit, (0, 0))
            worker.overdue += rows
            worker.overdue_households += households
    return sorted(workers.values(), key=lambda w: (not w.units, w.units[:1], w.name, w.user_id))


# --- the households behind a figure ---------------------------------------------------


def households_behind(
    queryset: QuerySet[Household],
    codes_: list[str],
    figure: str,
    period: Period,
    today: datetime.date | None = None,
    visitor_id: int | None = None,
) -> QuerySet[Household]:
    """The households of `queryset` (already scoped) under any of `codes_` that a figure
    counts: `households` (active), `due`, `done`, `skipped` (with such a scheduled visit
    due in the period), `overdue` (with one open past its due date), `visited` (visited in
    the period; by `visitor_id` when given), `not_visited` (active and not visited),
    `paired` (with a current pairing)."""
    if figure not in BEHIND:
        raise ValueError(f"unknown figure {figure!r}")
    today = today or timezone.localdate()
    where = Q(pk__in=[])
    for code in codes_:
        where |= subtree_q("area_code", code)
    queryset = queryset.filter(where)
    scheduled = ScheduledVisit.objects.filter(household=OuterRef("pk"))
    in_period = scheduled.filter(due_on__gte=period.first, due_on__lte=period.last)
    visits = Visit.objects.filter(
        household=OuterRef("pk"), visited_at__gte=period.start, visited_at__lt=period.end
    )
    if visitor_id is not None:
        visits = visits.filter(visitor_id=visitor_id)
    condition = {
        "households": Q(status=HouseholdStatus.ACTIVE),
        "due": Exists(in_period),
        "done": Exists(in_period.filter(status=ScheduleStatus.DONE)),
        "skipped": Exists(in_period.filter(status=ScheduleStatus.SKIPPED)),
        "overdue": Exists(scheduled.filter(_overdue_q(today))),
        "visited": Exists(visits),
        "not_visited": Q(status=HouseholdStatus.ACTIVE) & ~Exists(visits),
        "paired": Exists(Pairing.objects.current(today).filter(household=OuterRef("pk"))),
    }[figure]
    return queryset.filter(condition).order_by("area_code", "number", "pk")
