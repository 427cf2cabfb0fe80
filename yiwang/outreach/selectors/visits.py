"""Reads of outreach's visits that are more than a filter: the worker's "today" list (what
is due and overdue, one line a household), a household's visit history, the caller's
open schedule."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from yiwang.areas import codes
from yiwang.areas.models import Area
from yiwang.core.scoping import subtree_q
from yiwang.outreach.models import Pairing, ScheduledVisit, ScheduleStatus, Visit
from yiwang.outreach.services import schedule
from yiwang.outreach.services.visits import scheduled_visible_to, visits_visible_to
from yiwang.registry.selectors import head_names

# The "today" page lists what is due within this many days, overdue first.
HORIZON_DAYS = 7
# At most this many lines: a worker answers for 20–30 households; an admin's county-wide
# list is for looking at, the schedule API pages through the rest.
TODAY_LIMIT = 100


def mask_name(name: str) -> str:
    """张*, 张*丰, 欧**文: the first character (and the last of three or more) stays."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def open_schedule(user):
    """The open scheduled visits the user answers for (their scope, their pairings),
    nearest due first."""
    return (
        ScheduledVisit.objects.filter(schedule.open_rows_q(user), status=ScheduleStatus.SCHEDULED)
        .select_related("household", "enterprise", "rule", "pairing__programme")
        .order_by("due_on", "id")
    )


@dataclass
class DueLine:
    """One household (or enterprise) of the "today" list, with what makes it due."""

    household: object | None
    enterprise: object | None
    due_on: datetime.date
    overdue: bool
    reasons: list[str] = field(default_factory=list)
    scheduled_ids: list[int] = field(default_factory=list)
    head: str = ""

    @property
    def days_late(self) -> int:
        return (timezone.localdate() - self.due_on).days


def today_lines(
    user,
    today: datetime.date | None = None,
    *,
    within: str = "",
    own_only: bool = False,
) -> tuple[list[DueLine], bool]:
    """What is due for the user within HORIZON_DAYS and what is overdue, one line per
    household or enterprise, the nearest due first; and whether the list was cut at
    TODAY_LIMIT rows. Three queries: the pairings, the rows, the heads' names.
    `within` narrows it to a subtree; `own_only` to the user's own pairings (an admin's
    own day, not their whole area's)."""
    today = today or timezone.localdate()
    rows = open_schedule(user).filter(due_on__lte=today + datetime.timedelta(days=HORIZON_DAYS))
    if within:
        rows = rows.filter(subtree_q("area_code", within))
    if own_only:
        own = Pairing.objects.current().filter(sponsor_id=user.pk).values_list("pk", flat=True)
        rows = rows.filter(pairing_id__in=list(own))
    rows = list(rows[: TODAY_LIMIT + 1])
    cut = len(rows) > TODAY_LIMIT
    lines: dict[tuple, DueLine] = {}
    for row in rows[:TODAY_LIMIT]:
        key = ("h", row.household_id) if row.household_id else ("e", row.enterprise_id)
        line = lines.get(key)
        if line is None:
            line = lines[key] = DueLine(
                household=row.household,
                enterprise=row.enterprise,
                due_on=row.due_on,
                overdue=row.due_on < today,
            )
        line.reasons.append(str(row.pairing.programme) if row.pairing_id else str(row.rule))
        line.scheduled_ids.append(row.pk)
    household_ids = [line.household.pk for line in lines.values() if line.household]
    if household_ids:
        heads = head_names(household_ids)
        for line in lines.values():
            if line.household:
                line.head = mask_name(heads.get(line.household.pk, ""))
    return list(lines.values()), cut


@dataclass
class AreaDue:
    """A child area of the admin's "today" summary: its overdue households."""

    code: str
    name: str
    overdue_households: int
    drill: bool  # a town or above: its own children; else its lines


def overdue_by_child(area: Area, today: datetime.date | None = None) -> list[AreaDue]:
    """The overdue households under each child of `area` (the admin's "today" page and the
    homes of a town and the county): two queries, one GROUP BY on the child's code."""
    from django.db.models.functions import Substr

    today = today or timezone.localdate()
    n = len(area.code) + 3
    counts = dict(
        ScheduledVisit.objects.filter(
            subtree_q("area_code", area.code),
            household__isnull=False,
            status=ScheduleStatus.SCHEDULED,
            due_on__lt=today,
        )
        .annotate(child=Substr("area_code", 1, n))
        .values("child")
        .annotate(households=Count("household_id", distinct=True))
        .order_by()
        .values_list("child", "households")
    )
    children = Area.objects.filter(parent=area).order_by("code").values_list("code", "name")
    return [
        AreaDue(
            code=code,
            name=name,
            overdue_households=counts.get(code, 0),
            drill=n < codes.LENGTH_BY_LEVEL["village"],
        )
        for code, name in children
    ]


def household_visits(user, household_id: int):
    """A household's visits the user may read, newest first, with the visitor."""
    return (
        visits_visible_to(user)
        .filter(household_id=household_id)
        .select_related("visitor", "case")
        .order_by("-visited_at", "-id")
    )


def household_schedule(user, household_id: int):
    """A household's open scheduled visits the user answers for, nearest first."""
    return (
        scheduled_visible_to(user)
        .filter(household_id=household_id, status=ScheduleStatus.SCHEDULED)
        .select_related("rule", "pairing__programme")
        .order_by("due_on", "id")
    )


def visit_detail(user, visit_id: int) -> Visit | None:
    return (
        visits_visible_to(user)
        .select_related("household", "enterprise", "visitor", "case")
        .filter(pk=visit_id)
        .first()
    )
