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
The caller checks that the area is in the user's scope (`area_in_scope`).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import Post, Role, User
from yiwang.areas import codes
from yiwang.areas.models import Area, Level
from yiwang.core.scoping import subtree_q
from yiwang.outreach.models import (
    Pairing,
    ScheduledVisit,
    ScheduleStatus,
    Visit,
    VisitTally,
)
from yiwang.registry.models import Household, HouseholdStatus, LedgerTally

COUNTS = (
    "households",
    "due",
    "done",
    "skipped",
    "overdue",
    "overdue_households",
    "visited",
    "paired",
)
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
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


# --- the period -----------------------------------------------------------------------


def _month_end(first: datetime.date) -> datetime.date:
    after = datetime.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return after - datetime.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """The days from `first` to `last`, both included (in TIME_ZONE)."""

    first: datetime.date
    last: datetime.date

    @property
    def start(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.first, datetime.time()))

    @property
    def end(self) -> datetime.datetime:
        """Local midnight after the last day (excluded)."""
        after = self.last + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(after, datetime.time()))

    @property
    def is_month(self) -> bool:
        return self.first.day == 1 and self.last == _month_end(self.first)

    def query(self) -> dict[str, str]:
        """The period as the page and the API take it back."""
        if self.is_month:
            return {"month": f"{self.first:%Y-%m}"}
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    @classmethod
    def month_of(cls, day: datetime.date) -> Period:
        first = day.replace(day=1)
        return cls(first, _month_end(first))


def _parse(text: str, *, end: bool) -> datetime.date:
    """A day from YYYY-MM-DD, or a month from YYYY-MM (its first day, or its last with
    `end`). ValueError with the user's message otherwise."""
    try:
        found = _DAY.match(text)
        if found:
            return datetime.date(*(int(g) for g in found.groups()))
        found = _MONTH.match(text)
        if found:
            first = datetime.date(int(found.group(1)), int(found.group(2)), 1)
            return _month_end(first) if end else first
    except ValueError:
        pass
    raise ValueError(_("Give a month as YYYY-MM or a day as YYYY-MM-DD, for example 2026-11."))


def parse_period(
    month: str = "", first: str = "", last: str = "", today: datetime.date | None = None
) -> Period:
    """The period from the query: `month`, else `from` and `to` (days or months; either
    may be left out: from the first day of `to`'s month, or to the end of `from`'s month),
    else the current month. ValueError({field: message}) when it cannot be read."""
    today = today or timezone.localdate()
    month, first, last = (month or "").strip(), (first or "").strip(), (last or "").strip()
    if month:
        try:
            if not _MONTH.match(month):
                raise ValueError
            return Period.month_of(_parse(month, end=False))
        except ValueError:
            raise ValueError(
                {"month": _("Give a month as YYYY-MM, for example 2026-11.")}
            ) from None
    if not first and not last:
        return Period.month_of(today)
    errors, days = {}, {}
    for name, text, end in (("from", first, False), ("to", last, True)):
        if text:
            try:
                days[name] = _parse(text, end=end)
            except ValueError as exc:
                errors[name] = str(exc)
    if errors:
        raise ValueError(errors)
    start = days.get("from") or days["to"].replace(day=1)
    stop = days.get("to") or _month_end(start.replace(day=1))
    if start > stop:
        raise ValueError({"to": _("The end comes before the start.")})
    return Period(start, stop)


# --- the figures ----------------------------------------------------------------------


def _rate(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


@dataclass
class Figures:
    households: int = 0
    due: int = 0
    done: int = 0
    skipped: int = 0
    overdue: int = 0
    overdue_households: int = 0
    visited: int = 0
    paired: int = 0

    def add(self, other: Figures) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def done_rate(self) -> Fraction | None:
        """Done of due (None when nothing was due)."""
        return _rate(self.done, self.due)

    @property
    def coverage(self) -> Fraction | None:
        """Households visited in the period of the active households."""
        return _rate(self.visited, self.households)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}


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


def compliance(area: Area, period: Period, today: datetime.date | None = None) -> Compliance:
    """The figures of each child of `area` and their total (see the module's docstring):
    seven queries whatever the size of the tree."""
    today = today or timezone.localdate()
    n = len(area.code) + codes.SUFFIX_DIGITS
    children = list(
        Area.objects.filter(parent=area).order_by("code").values("code", "name", "level")
    )
    with_children = set(
        Area.objects.filter(parent__parent=area).values_list("parent__code", flat=True).distinct()
    )
    rows = {
        c["code"]: Row(c["code"], c["name"], c["level"], has_children=c["code"] in with_children)
        for c in children
    }
    total = Figures()

    def row(code: str) -> Figures:
        """The figures of the child whose code starts `code`, made for a child that is no
        longer in the tree; the total's when the row lies on the area itself."""
        key = code[:n]
        if len(key) < n:
            return Figures()  # counted in the total only
        if key not in rows:
            rows[key] = Row(key, key, codes.LEVEL_BY_LENGTH.get(n, ""))
        return rows[key].figures

    prefix = Substr("area_code", 1, n)
    for r in (
        LedgerTally.objects.filter(subtree_q("area_code", area.code))
        .values(prefix=prefix)
        .annotate(households=Sum("households"))
        .order_by()
    ):
        row(r["prefix"]).households += r["households"] or 0
        total.households += r["households"] or 0

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
        figures = row(r["prefix"])
        for name in ("due", "done", "skipped"):
            setattr(figures, name, getattr(figures, name) + r[name])
            setattr(total, name, getattr(total, name) + r[name])

    for code, (overdue, households) in overdue_by_unit(area.code, today).items():
        figures = row(code)
        figures.overdue += overdue
        figures.overdue_households += households
        total.overdue += overdue
        total.overdue_households += households

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
            figures = row(r["prefix"])
            setattr(figures, name, getattr(figures, name) + r["n"])
            setattr(total, name, getattr(total, name) + r["n"])

    return Compliance(
        area=area,
        period=period,
        today=today,
        total=total,
        rows=[rows[code] for code in sorted(rows)],
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


# --- the area -------------------------------------------------------------------------


def default_area(user) -> Area | None:
    """The area the figures open on: the first of the user's posts' areas, the county for
    a superuser; None without any."""
    roots = scope.scope_codes(user)
    if roots is None:
        return Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    return Area.objects.filter(code__in=roots).order_by("code").first()


def area_in_scope(user, code: str) -> Area:
    """The area with this code if the user sees it; 404 like a missing one otherwise."""
    area = Area.objects.visible_to(user).filter(code=code.strip()).first()
    if area is None:
        raise Http404(_("Not found."))
    return area
