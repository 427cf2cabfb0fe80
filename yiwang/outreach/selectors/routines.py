"""Reads of outreach's routines: the decisions a user sees and their open tasks, and
routine compliance per grid per week (the filtersets of events, meetings and decisions
are in filters.py).

Compliance of a week (ISO week, Monday to Sunday, in the county's local dates): for each
grid under the chosen area and each active daily or weekly routine, how many times it
was required, how many times it was kept, and whether that is enough.
- A weekly routine is required `times` in the week; kept is the number of its meetings
  held by the grid or a unit of it in the week.
- A daily routine is required 7 × `times`; kept counts each day at most `times`: the
  meetings of the day, or, for the routines that other records fulfil (daily visits:
  visits to households of the grid; daily patrol: patrol reports raised in the grid), those
  records. Entered once, counted here.
- Monthly and quarterly routines are judged over their month or quarter, not in a week:
  the weekly view leaves them out.
The rows are read by one GROUP BY a source, on the grid's code prefix and the local day;
the villages, towns and county above the grids add up the grid rows, never a query a node.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.functions import Substr, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.areas.models import Area, Level
from yiwang.cases.models import Case, Source
from yiwang.core.scoping import any_subtree_q, is_area_code
from yiwang.outreach.models import Decision, EventType, Meeting, Rhythm, Routine, Visit

GRID_CODE_LENGTH = 15
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$")


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


# --- what a user sees ------------------------------------------------------------------


def event_types(active_only: bool = False):
    queryset = EventType.objects.all()
    return queryset.filter(is_active=True) if active_only else queryset


def decisions_visible_to(user):
    """The decisions of meetings in the user's scope, and the ones the user owns (a unit's
    worker owns tasks of the grid's meeting, which lies above their scope)."""
    codes = scope.scope_codes(user)
    queryset = Decision.objects.all()
    if codes is None:
        return queryset
    return queryset.filter(any_subtree_q("meeting__area_code", codes) | Q(owner_id=user.pk))


def open_tasks(user):
    """The user's tasks not done yet, the soonest due first."""
    return (
        Decision.objects.filter(owner_id=user.pk, due_on__isnull=False, done_on__isnull=True)
        .select_related("meeting__routine")
        .order_by("due_on", "id")
    )


# --- compliance per grid per week ---------------------------------------------------------


def parse_week(value) -> datetime.date:
    """The Monday of an ISO week written "2026-W48"; the current week when empty."""
    text = str(value or "").strip().upper()
    if not text:
        today = timezone.localdate()
        return today - datetime.timedelta(days=today.weekday())
    match = _WEEK.match(text)
    try:
        if match is None:
            raise ValueError(text)
        return datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValidationError(
            {"week": [_("Give an ISO week, such as 2026-W48 (a year, W and the week number).")]}
        ) from None


def week_label(monday: datetime.date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


# Daily routines that other records fulfil: routine code → (rows, the time they count at).
# What else keeps a routine is the routine's meetings.
def _visits(area_code: str):
    return Visit.objects.under(area_code), "visited_at"


def _patrol_reports(area_code: str):
    return Case.objects.under(area_code).filter(source=Source.PATROL), "reported_at"


COUNTED_FROM = {"daily_visits": _visits, "daily_patrol": _patrol_reports}


@dataclass(frozen=True)
class Cell:
    routine: Routine
    required: int
    held: int

    @property
    def met(self) -> bool:
        return self.held >= self.required


@dataclass
class GridRow:
    area: Area
    cells: list[Cell]

    @property
    def met_count(self) -> int:
        return sum(cell.met for cell in self.cells)

    @property
    def all_met(self) -> bool:
        return all(cell.met for cell in self.cells)


@dataclass
class RollupRow:
    """An area above the grids: how many of its grids kept each routine."""

    code: str
    name: str
    level: str
    grids: int = 0
    met: dict[str, int] = field(default_factory=dict)
    all_met: int = 0


@dataclass
class Compliance:
    week: str
    starts_on: datetime.date
    ends_on: datetime.date
    area: Area
    routines: list[Routine]
    grids: list[GridRow]
    rollup: list[RollupRow]


def default_area_code(user) -> str:
    """The first root of the user's scope; the county for a superuser."""
    codes = scope.scope_codes(user)
    if codes:
        return codes[0]
    county = Area.objects.filter(level=Level.COUNTY).order_by("code").first()
    return county.code if county is not None else ""


def _counts(rows, time_field: str, start, end):
    """{(grid code, local day): rows} of one source, by one GROUP BY."""
    return (
        rows.filter(**{f"{time_field}__gte": start, f"{time_field}__lt": end})
        .annotate(grid=Substr("area_code", 1, GRID_CODE_LENGTH), day=TruncDate(time_field))
        .values("grid", "day")
        .annotate(n=Count("id"))
        .values_list("grid", "day", "n")
    )


def routine_compliance(user, *, area_code: str = "", week: str = "") -> Compliance:
    """Compliance of the grids under an area of the user's scope (404 outside it) in a week
    (see the module's docstring for what counts)."""
    monday = parse_week(week)
    code = str(area_code or "").strip() or default_area_code(user)
    area = Area.objects.filter(code=code).first() if is_area_code(code) else None
    if area is None or not scope.in_scope(user, area.code):
        raise Http404(_("Not found."))
    start, end = _midnight(monday), _midnight(monday + datetime.timedelta(days=7))
    routines = list(
        Routine.objects.filter(is_active=True, rhythm__in=[Rhythm.DAILY, Rhythm.WEEKLY])
    )
    grids = list(
        # The grids open at the end of the week (or today, within it).
        Area.objects.open(min(monday + datetime.timedelta(days=6), timezone.localdate()))
        .under(area.code)
        .filter(level=Level.GRID)
        .order_by("code")
    )

    # held[(grid, routine id)][day] = records
    held: dict[tuple[str, int], dict[datetime.date, int]] = defaultdict(dict)
    by_meeting = [r for r in routines if r.code not in COUNTED_FROM]
    if by_meeting:
        meetings = (
            Meeting.objects.under(area.code)
            .filter(routine__in=by_meeting, held_at__gte=start, held_at__lt=end)
            .annotate(grid=Substr("area_code", 1, GRID_CODE_LENGTH), day=TruncDate("held_at"))
            .values("grid", "routine_id", "day")
            .annotate(n=Count("id"))
            .values_list("grid", "routine_id", "day", "n")
        )
        for grid, routine_id, day, n in meetings:
            held[(grid, routine_id)][day] = n
    for routine in routines:
        source = COUNTED_FROM.get(routine.code)
        if source is not None:
            rows, time_field = source(area.code)
            for grid, day, n in _counts(rows, time_field, start, end):
                held[(grid, routine.pk)][day] = n

    grid_rows = []
    for grid in grids:
        cells = []
        for routine in routines:
            days = held.get((grid.code, routine.pk), {})
            if routine.rhythm == Rhythm.DAILY:
                required = 7 * routine.times
                kept = sum(min(n, routine.times) for n in days.values())
            else:
                required = routine.times
                kept = sum(days.values())
            cells.append(Cell(routine=routine, required=required, held=kept))
        grid_rows.append(GridRow(area=grid, cells=cells))

    return Compliance(
        week=week_label(monday),
        starts_on=monday,
        ends_on=monday + datetime.timedelta(days=6),
        area=area,
        routines=routines,
        grids=grid_rows,
        rollup=_rollup(area, grid_rows, routines),
    )


def _rollup(area: Area, grid_rows: list[GridRow], routines: list[Routine]) -> list[RollupRow]:
    """The areas from the chosen one down to the villages, each adding up its grids."""
    lengths = [n for n in (6, 9, 12) if n >= len(area.code)]
    rows: dict[str, RollupRow] = {}
    for row in grid_rows:
        for n in lengths:
            prefix = row.area.code[:n]
            total = rows.setdefault(prefix, RollupRow(code=prefix, name="", level=""))
            total.grids += 1
            total.all_met += row.all_met
            for cell in row.cells:
                total.met[cell.routine.code] = total.met.get(cell.routine.code, 0) + cell.met
    for found in Area.objects.filter(code__in=list(rows)).values("code", "name", "level"):
        rows[found["code"]].name, rows[found["code"]].level = found["name"], found["level"]
    return [rows[code] for code in sorted(rows)]
