"""Reads of door-to-door sweeps: the sweeps a user follows, a sweep's progress by child
area (one GROUP BY on the households' unit-code prefix, read from the index of
(sweep, area_code, result)), the households not reached yet, and the filterset of a
sweep's households shared by the pages, the API and the cockpit's figure."""

from __future__ import annotations

from dataclasses import dataclass

import django_filters
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from yiwang.core import access as core_access
from yiwang.core import display
from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter, under
from yiwang.core.scoping import any_subtree_q, is_area_code, subtree_q
from yiwang.duty import access
from yiwang.duty.models import REACHED, Sweep, SweepHousehold, SweepResult, SweepStatus

CHILD_DIGITS = 3
UNREACHED = ("", SweepResult.NOT_HOME)
# The state of a household of a sweep, as the filters and the progress name it.
STATES = {
    "reached": Q(result__in=REACHED),
    "not_home": Q(result=SweepResult.NOT_HOME),
    "pending": Q(result=""),
    "unreached": Q(result__in=UNREACHED),
}


def visible_sweeps(user):
    """The sweeps a user follows: over an area in their scope, over an area above one
    (the county's sweep, followed by a village chief for their village), or with a
    household assigned to them."""
    if user is None or access.is_active_superuser(user):
        return Sweep.objects.all()
    if not access.is_authenticated(user):
        return Sweep.objects.none()
    codes = core_access.scope_codes(user)
    if codes is None:
        return Sweep.objects.all()
    q = Q(pk__in=SweepHousehold.objects.filter(assignee=user).values("sweep_id"))
    if codes:
        above = {code[:n] for code in codes for n in range(6, len(code), CHILD_DIGITS)}
        q |= any_subtree_q("area_code", codes) | Q(area_code__in=above)
    return Sweep.objects.filter(q)


def sweep_households(user):
    """The households of sweeps a user reads: in scope, or assigned to them."""
    q = access.sweep_household_q(user) if user is not None else None
    return SweepHousehold.objects.all() if q is None else SweepHousehold.objects.filter(q)


def _start(user, sweep: Sweep, area_code: str | None) -> str:
    """The area whose children the progress lists: the one asked (within the sweep and
    the user's sight, else 404), else the sweep's, or the one area of the user's scope
    within it."""
    if area_code:
        if not is_area_code(area_code) or not area_code.startswith(sweep.area_code):
            raise Http404
        if user is not None and not core_access.in_scope(user, area_code):
            codes = core_access.scope_codes(user) or ()
            # Above the user's scope: allowed only when their scope lies inside it.
            if not any(code.startswith(area_code) for code in codes):
                raise Http404
        return area_code
    codes = core_access.scope_codes(user) if user is not None else None
    if codes:
        inside = [code for code in codes if code.startswith(sweep.area_code)]
        if len(inside) == 1 and not core_access.in_scope(user, sweep.area_code):
            return inside[0]
    return sweep.area_code


@dataclass
class ProgressRow:
    code: str
    name: str
    total: int = 0
    reached: int = 0
    not_home: int = 0
    pending: int = 0

    @property
    def unreached(self) -> int:
        return self.not_home + self.pending

    @property
    def percent(self) -> float:
        return round(100 * self.reached / self.total, 1) if self.total else 0.0


def sweep_progress(user, sweep: Sweep, area_code: str | None = None) -> list[ProgressRow]:
    """The sweep's households by child area of `area_code` (the sweep's area unless
    given): name, total, reached, not at home, not visited yet, per cent reached. One
    GROUP BY on the prefix of the households' unit codes and the result, over the rows
    the user reads. A unit (no children) answers one row, its own."""
    code = _start(user, sweep, area_code)
    length = min(len(code) + CHILD_DIGITS, 18)
    rows = sweep_households(user).filter(sweep=sweep).filter(subtree_q("area_code", code))
    grouped = (
        rows.order_by()
        .annotate(child=Substr("area_code", 1, length))
        .values_list("child", "result")
        .annotate(n=Count("pk"))
    )
    found: dict[str, ProgressRow] = {}
    for child, result, n in grouped:
        row = found.setdefault(child, ProgressRow(code=child, name=child))
        row.total += n
        if result in REACHED:
            row.reached += n
        elif result == SweepResult.NOT_HOME:
            row.not_home += n
        else:
            row.pending += n
    names = display.area_names(found)
    for row in found.values():
        if row.code in names:
            row.name = names[row.code].name
    return sorted(found.values(), key=lambda row: row.code)


def progress_total(rows: list[ProgressRow], code: str) -> ProgressRow:
    """The rows added up, as one row of the area `code`."""
    total = ProgressRow(code=code, name=code)
    for row in rows:
        total.total += row.total
        total.reached += row.reached
        total.not_home += row.not_home
        total.pending += row.pending
    return total


def unreached(user, sweep: Sweep, area_code: str | None = None):
    """The sweep's households the user reads that are not reached yet (never visited, or
    nobody at home), under `area_code` when given, in area order."""
    rows = sweep_households(user).filter(sweep=sweep, result__in=UNREACHED)
    if area_code:
        rows = rows.filter(subtree_q("area_code", area_code))
    return rows.select_related("household", "assignee").order_by("area_code", "household__number")


def my_households(user, sweep: Sweep | None = None):
    """The households of open sweeps assigned to the user, not reached first."""
    rows = SweepHousehold.objects.filter(assignee=user, sweep__status=SweepStatus.OPEN)
    if sweep is not None:
        rows = rows.filter(sweep=sweep)
    return rows.select_related("household", "sweep").order_by(
        "sweep_id", "visited_at", "area_code", "household__number"
    )


class SweepHouseholdFilterSet(FilterSet):
    """The households of sweeps: by sweep, area, state and assignee; `pending` (not reached,
    in an open sweep) is what the cockpit's figure links with."""

    sweep = IdFilter(label=_("sweep"), field_name="sweep_id")
    under = AreaCodeFilter(
        label=_("area"), method=under, help_text=_("The area and the areas under it.")
    )
    state = django_filters.ChoiceFilter(
        label=_("state"),
        method="in_state",
        choices=[
            ("reached", _("reached")),
            ("not_home", _("nobody at home")),
            ("pending", _("not visited yet")),
            ("unreached", _("not reached yet")),
        ],
    )
    result = django_filters.ChoiceFilter(label=_("result"), choices=SweepResult.choices)
    pending = django_filters.BooleanFilter(
        label=_("to visit"),
        method="is_pending",
        help_text=_("Not reached yet, in a sweep under way."),
    )
    assignee = IdFilter(label=_("assigned to"), field_name="assignee_id")

    class Meta:
        model = SweepHousehold
        fields = []

    def in_state(self, queryset, name, value):
        return queryset.filter(STATES[value]) if value else queryset

    def is_pending(self, queryset, name, value):
        if value is None:
            return queryset
        q = STATES["unreached"] & Q(sweep__status=SweepStatus.OPEN)
        return queryset.filter(q) if value else queryset.exclude(q)
