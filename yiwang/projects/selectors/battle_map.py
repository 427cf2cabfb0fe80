"""The battle map (作战图): the projects a user sees with their milestones, each
milestone's lag in working days and colour, each project's colour (the worst of its open
milestones); the funnel of the stages with the time spent in each; the bottlenecks by
cause of delay and by department.

Fast on purpose: a fixed handful of queries whatever the number of projects (values
rows, never a query per project) and one `workdays.calendar()` a call, so that 500
projects with 20,000 milestones take well under 200 ms. A milestone in a year the
calendar does not know has no lag and no colour, and "unknown_year" carries the message
for the page to show: never an error.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict

from django.db import connections
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from yiwang.core.scoping import subtree_q
from yiwang.projects.models import (
    STAGE_ORDER,
    Batch,
    Colour,
    DelayCause,
    Milestone,
    MilestoneType,
    Problem,
    ProblemStatus,
    ProgressPhoto,
    ProjectKind,
    Stage,
    StageChange,
)
from yiwang.projects.selectors.lag import worst
from yiwang.projects.selectors.projects import visible_projects
from yiwang.projects.workdays import UnknownCalendarYear, calendar

# The colour of a project whose lag cannot be counted (an open milestone in a year the
# calendar does not know, and none of its known ones late): never shown as green.
UNKNOWN = "unknown"
UNKNOWN_LABEL = gettext_lazy("Lag not counted")
# Every colour a project takes, the worst first, with its label.
COLOUR_CHOICES = (
    (Colour.RED, Colour.RED.label),
    (Colour.YELLOW, Colour.YELLOW.label),
    (Colour.GREEN, Colour.GREEN.label),
    (UNKNOWN, UNKNOWN_LABEL),
)

# The filters the battle map takes, and the values each accepts (area: an area code).
FILTER_CHOICES = {
    "stage": set(Stage.values),
    "kind": set(ProjectKind.values),
    "batch": set(Batch.values),
    "colour": {value for value, _label in COLOUR_CHOICES},
}
FILTERS = ("area", "stage", "kind", "batch", "colour")

_PROJECT_FIELDS = (
    "pk",
    "number",
    "name",
    "area_code",
    "park",
    "kind",
    "batch",
    "stage",
    "stage_reached_on",
    "starts_on",
    "ends_on",
    "leader_id",
    "leader__full_name",
    "leader__username",
    "photo_id",
)
_MILESTONE_FIELDS = (
    "pk",
    "project_id",
    "milestone_type_id",
    "name",
    "due_on",
    "done_on",
    "delay_cause",
)
_PROBLEM_FIELDS = (
    "pk",
    "project_id",
    "milestone_id",
    "cause",
    "department_id",
    "department__name",
    "text",
    "raised_on",
    "due_on",
)


def _projects(user, filters: dict):
    """The active projects the user sees, narrowed by the filters on the project itself
    (not the colour, which is counted afterwards)."""
    projects = visible_projects(user).filter(is_active=True)
    area = (filters.get("area") or "").strip()
    if area:
        projects = projects.filter(subtree_q("area_code", area))
    for name in ("stage", "kind", "batch"):
        value = filters.get(name)
        if value:
            projects = projects.filter(**{name: value})
    return projects


def _name(full_name, username) -> str:
    return full_name or username or ""


def _types() -> dict[int, MilestoneType]:
    return {t.pk: t for t in MilestoneType.objects.all()}


class _Lags:
    """`cal.lag` for many milestones: the working days up to each day of a year counted
    once a day (most milestones share their due days, and the open ones today), the lag
    across years once a pair. A year the calendar does not know gives None, and its
    message is kept in `unknown`."""

    def __init__(self, cal):
        self.cal = cal
        self.through: dict[datetime.date, int | None] = {}
        self.pairs: dict[tuple, int | None] = {}
        self.unknown: str | None = None

    def _note(self, exc: UnknownCalendarYear) -> None:
        if self.unknown is None:
            self.unknown = str(exc)

    def _through(self, day: datetime.date) -> int | None:
        if day not in self.through:
            try:
                self.through[day] = self.cal.count(datetime.date(day.year, 1, 1), day)
            except UnknownCalendarYear as exc:
                self._note(exc)
                self.through[day] = None
        return self.through[day]

    def __call__(self, due: datetime.date, end: datetime.date) -> int | None:
        if end <= due:
            return 0
        if due.year == end.year:
            first, last = self._through(due), self._through(end)
            return None if first is None or last is None else last - first
        key = (due, end)
        if key not in self.pairs:
            try:
                self.pairs[key] = self.cal.lag(due, end)
            except UnknownCalendarYear as exc:
                self._note(exc)
                self.pairs[key] = None
        return self.pairs[key]


def _fetch(rows) -> list[tuple]:
    """The rows of a values_list() queryset read straight from the cursor. The map reads
    every milestone of the projects (20,000 for the county's 500), and the ORM's work on
    each row (its iterator and a converter a date column) took longer than the database:
    the same SQL, its rows as the driver gives them (`_day` makes their dates)."""
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _day(value) -> datetime.date | None:
    """A date column as `_fetch` returns it: a date (PostgreSQL) or ISO text (SQLite)."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def battle_map(
    user, *, today: datetime.date | None = None, historical: bool = False, **filters
) -> dict:
    """The projects `user` sees (active ones), filtered by `area` (a town's or park's code:
    the projects in its subtree), `stage`, `kind`, `batch` and `colour` (the project's:
    red, yellow, green, or "unknown" when its lag cannot be counted),
    each with its milestones (due, done, lag, colour), its open problems, its latest site
    photo's id and its colour; the counts by colour and by stage of those listed; and
    "unknown_year", the message of a year the calendar does not know (None when all are
    known).

    `historical`: the map as it stood on `today`, a day gone by (a past month's meeting
    pack): a milestone done after it counts as open, a problem raised after it is left
    out and one resolved after it counts as open, the latest photo is that of a day up
    to it, and each project is in the stage it had reached by then (its current one when
    no stage change was recorded by then). The projects listed are those active now."""
    today = today or timezone.localdate()
    lags = _Lags(calendar())
    photos = ProgressPhoto.objects.filter(entry__project=OuterRef("pk"))
    if historical:
        photos = photos.filter(entry__day__lte=today)
    latest_photo = photos.order_by("-entry__day", "-id").values("pk")[:1]
    projects_qs = _projects(user, filters)
    annotated = projects_qs.annotate(photo_id=Subquery(latest_photo))
    fields = _PROJECT_FIELDS
    if historical:
        reached = StageChange.objects.filter(
            project=OuterRef("pk"), reached_on__lte=today
        ).order_by("-reached_on", "-id")
        annotated = annotated.annotate(
            stage_then=Coalesce(Subquery(reached.values("stage")[:1]), F("stage")),
            reached_then=Subquery(reached.values("reached_on")[:1]),
        )
        fields = tuple(
            {"stage": "stage_then", "stage_reached_on": "reached_then"}.get(f, f) for f in fields
        )
    rows = list(annotated.order_by("area_code", "starts_on", "number").values_list(*fields))
    ids = projects_qs.values("pk")
    types = _types()
    milestones: dict[int, list[dict]] = defaultdict(list)
    for pk, project_id, type_id, name, due, done, cause in _fetch(
        Milestone.objects.filter(project__in=ids)
        .order_by("project_id", "due_on", "id")
        .values_list(*_MILESTONE_FIELDS)
    ):
        kind = types[type_id]
        due, done = _day(due), _day(done)
        if historical and done and done > today:
            done = None  # not done yet on the day
        lag = lags(due, done or today)
        milestones[project_id].append(
            {
                "id": pk,
                "name": name,
                "type_id": type_id,
                "due_on": due,
                "done_on": done,
                "lag": lag,
                "colour": None if lag is None else kind.colour(lag),
                "cause": cause,
            }
        )
    if historical:
        open_problems = Problem.objects.filter(
            Q(resolved_on__isnull=True) | Q(resolved_on__gt=today), raised_on__lte=today
        )
    else:
        open_problems = Problem.objects.filter(status=ProblemStatus.OPEN)
    problems: dict[int, list[dict]] = defaultdict(list)
    for pk, project_id, milestone_id, cause, dept_id, dept, text, raised, due in (
        open_problems.filter(project__in=ids).order_by("due_on", "id").values_list(*_PROBLEM_FIELDS)
    ):
        problems[project_id].append(
            {
                "id": pk,
                "milestone_id": milestone_id,
                "cause": cause,
                "department_id": dept_id,
                "department": dept,
                "text": text,
                "raised_on": raised,
                "due_on": due,
                "days_overdue": lags(due, today),
            }
        )
    wanted_colour = filters.get("colour") or ""
    listed = []
    for (
        pk,
        number,
        name,
        area_code,
        park,
        kind,
        batch,
        stage,
        stage_on,
        starts,
        ends,
        leader_id,
        leader,
        leader_login,
        photo_id,
    ) in rows:
        own = milestones.get(pk, [])
        colour = project_colour(own)
        if wanted_colour and colour != wanted_colour:
            continue
        listed.append(
            {
                "id": pk,
                "number": number,
                "name": name,
                "area_code": area_code,
                "park": park,
                "kind": kind,
                "batch": batch,
                "stage": stage,
                "stage_reached_on": stage_on,
                "starts_on": starts,
                "ends_on": ends,
                "leader_id": leader_id,
                "leader": _name(leader, leader_login),
                "photo_id": photo_id,
                "colour": colour,
                "milestones": own,
                "problems": problems.get(pk, []),
            }
        )
    by_colour = Counter(p["colour"] for p in listed)
    by_stage = Counter(p["stage"] for p in listed)
    return {
        "today": today,
        "projects": listed,
        "unknown_year": lags.unknown,
        "colours": {c: by_colour.get(c, 0) for c, _label in COLOUR_CHOICES},
        "stages": {s: by_stage.get(s, 0) for s in Stage.values},
    }


def project_colour(milestones: list[dict]) -> str:
    """The worst colour of the open milestones; "unknown" when that would be green but an
    open milestone's lag cannot be counted (a year the calendar does not know)."""
    still_open = [m for m in milestones if m["done_on"] is None]
    colour = worst(m["colour"] for m in still_open if m["colour"])
    if colour == Colour.GREEN and any(m["colour"] is None for m in still_open):
        return UNKNOWN
    return colour


# --- the funnel --------------------------------------------------------------------------


def funnel(user, *, today: datetime.date | None = None, **filters) -> list[dict]:
    """For each stage in order: the projects in it now ("count"), and the days spent in
    it ("median", "mean", over "stints": every time a project was in the stage, from the
    day it reached it to the day it reached the next, the stage it is in now counting up
    to today). A project without recorded stage changes counts its current stage from
    `stage_reached_on`. Two queries."""
    today = today or timezone.localdate()
    projects = _projects(user, filters)
    current = dict(projects.values_list("pk", "stage"))
    reached_on = dict(projects.values_list("pk", "stage_reached_on"))
    changes: dict[int, list[tuple[str, datetime.date]]] = defaultdict(list)
    for project_id, stage, day in (
        StageChange.objects.filter(project__in=projects.values("pk"))
        .order_by("project_id", "reached_on", "id")
        .values_list("project_id", "stage", "reached_on")
    ):
        changes[project_id].append((stage, day))
    days: dict[str, list[int]] = defaultdict(list)
    for pk, stage in current.items():
        steps = changes.get(pk) or [(stage, reached_on[pk])]
        for (step, since), (_next, until) in zip(steps, steps[1:] + [(None, today)], strict=True):
            days[step].append(max((until - since).days, 0))
    counts = Counter(current.values())
    rows = []
    for stage in sorted(Stage.values, key=STAGE_ORDER.__getitem__):
        spent = days.get(stage, [])
        rows.append(
            {
                "stage": stage,
                "label": Stage(stage).label,
                "count": counts.get(stage, 0),
                "stints": len(spent),
                "median": round(float(statistics.median(spent)), 1) if spent else None,
                "mean": round(statistics.fmean(spent), 1) if spent else None,
            }
        )
    return rows


# --- the bottlenecks ---------------------------------------------------------------------


def _late_candidates(ids, today):
    """The milestones that may be late: open ones past their due day, and those done after
    it (their lag in working days may still be 0 across a holiday)."""
    return Milestone.objects.filter(
        Q(done_on__isnull=True, due_on__lt=today) | Q(done_on__gt=F("due_on")),
        project__in=ids,
    )


def bottlenecks(user, *, today: datetime.date | None = None) -> dict:
    """Where the projects the user sees are held up:

    - "causes": for each cause of delay (and "" for late milestones not tagged yet), the
      milestones late (lag > 0: open ones late today, and done ones that were done late),
      of which still open, and the open problems of that cause;
    - "departments": for each department sent problems, its open problems, those of them
      past their due day, and those resolved.
    - "unknown_year": as in `battle_map`.
    Four queries and one calendar."""
    today = today or timezone.localdate()
    lags = _Lags(calendar())
    ids = _projects(user, {}).values("pk")
    late: Counter = Counter()
    late_open: Counter = Counter()
    for due, done, cause in _late_candidates(ids, today).values_list(
        "due_on", "done_on", "delay_cause"
    ):
        if lags(due, done or today):
            late[cause] += 1
            if done is None:
                late_open[cause] += 1
    problems_open: Counter = Counter()
    departments: dict[int, dict] = {}
    for dept_id, dept, cause, status, due in Problem.objects.filter(project__in=ids).values_list(
        "department_id", "department__name", "cause", "status", "due_on"
    ):
        row = departments.setdefault(
            dept_id, {"id": dept_id, "name": dept, "open": 0, "overdue": 0, "resolved": 0}
        )
        if status == ProblemStatus.OPEN:
            problems_open[cause] += 1
            row["open"] += 1
            if due < today:
                row["overdue"] += 1
        else:
            row["resolved"] += 1
    causes = [
        {
            "cause": cause,
            "label": label,
            "late": late.get(cause, 0),
            "late_open": late_open.get(cause, 0),
            "problems": problems_open.get(cause, 0),
        }
        for cause, label in DelayCause.choices
    ]
    if late.get(""):
        causes.append(
            {
                "cause": "",
                "label": None,
                "late": late[""],
                "late_open": late_open.get("", 0),
                "problems": 0,
            }
        )
    return {
        "causes": causes,
        "departments": sorted(
            departments.values(), key=lambda r: (-r["overdue"], -r["open"], r["name"])
        ),
        "unknown_year": lags.unknown,
    }


# --- the records behind a bottleneck's figure ---------------------------------------------

PROBLEM_STATES = ("open", "overdue", "resolved")
RECORDS_SHOWN = 200


def late_milestones(user, *, cause: str, today: datetime.date | None = None) -> list[dict]:
    """The late milestones (lag > 0) of the cause ("" for those not tagged yet) in the
    projects the user sees, the latest due first: the records behind a cause's figure."""
    today = today or timezone.localdate()
    lags = _Lags(calendar())
    ids = _projects(user, {}).values("pk")
    found = []
    for pk, project_id, project, name, due, done in (
        _late_candidates(ids, today)
        .filter(delay_cause=cause)
        .order_by("-due_on", "-id")
        .values_list("pk", "project_id", "project__name", "name", "due_on", "done_on")
    ):
        lag = lags(due, done or today)
        if lag:
            found.append(
                {
                    "id": pk,
                    "project_id": project_id,
                    "project": project,
                    "name": name,
                    "due_on": due,
                    "done_on": done,
                    "lag": lag,
                }
            )
            if len(found) == RECORDS_SHOWN:
                break
    return found


def problems(
    user,
    *,
    cause: str = "",
    department: int | None = None,
    state: str = "open",
    today: datetime.date | None = None,
) -> list[dict]:
    """The problems of the projects the user sees, of a cause or a department, in a state
    ("open", "overdue": open past the due day, "resolved"): the records behind a figure."""
    today = today or timezone.localdate()
    lags = _Lags(calendar())
    rows = Problem.objects.filter(project__in=_projects(user, {}).values("pk"))
    if cause:
        rows = rows.filter(cause=cause)
    if department is not None:
        rows = rows.filter(department_id=department)
    if state == "resolved":
        rows = rows.filter(status=ProblemStatus.RESOLVED)
    else:
        rows = rows.filter(status=ProblemStatus.OPEN)
        if state == "overdue":
            rows = rows.filter(due_on__lt=today)
    return [
        {**row, "days_overdue": lags(row["due_on"], today)}
        for row in rows.order_by("due_on", "id").values(
            "id",
            "project_id",
            "project__name",
            "department__name",
            "cause",
            "text",
            "raised_on",
            "due_on",
            "status",
            "resolved_on",
        )[:RECORDS_SHOWN]
    ]
