"""Outreach filtersets, shared by the pages and the API: enterprises and pairings; visits,
the schedule and the occurrences of triggers; must-attend events, meetings and decisions."""

from __future__ import annotations

import datetime
import re

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from yiwang.areas.picker import AreaPicker, PickerFilterSet
from yiwang.core import validators
from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter
from yiwang.core.scoping import subtree_q
from yiwang.outreach.models import (
    Decision,
    Enterprise,
    Event,
    Meeting,
    Occurrence,
    Outcome,
    Pairing,
    ScheduledVisit,
    ScheduleStatus,
    Visit,
)

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")

# --- enterprises and pairings ----------------------------------------------------------


def _under(queryset, name, value):
    return queryset.filter(subtree_q("area_code", value.strip())) if value else queryset


def _area_filter(method):
    """The area filter of a list: an area picked by name, the area and those under it."""
    return AreaCodeFilter(
        label=_("area"),
        method=method,
        widget=AreaPicker(),
        help_text=_("The area and the areas under it."),
    )


class EnterpriseFilterSet(PickerFilterSet, FilterSet):
    search = django_filters.CharFilter(
        label=_("search"),
        method="filter_search",
        help_text=_("Part of the name, or the start of the unified social credit code."),
    )
    under = _area_filter(_under)
    industry = django_filters.CharFilter(label=_("industry"))
    is_active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Enterprise
        fields = ["search", "under", "industry", "is_active"]

    def filter_search(self, queryset, name, value):
        value = validators.normalize_text(value)
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(credit_code__startswith=value.upper()))


class PairingFilterSet(PickerFilterSet, FilterSet):
    programme = IdFilter(label=_("programme"), field_name="programme_id")
    sponsor = IdFilter(label=_("sponsor"), field_name="sponsor_id")
    household = IdFilter(label=_("household"), field_name="household_id")
    resident = IdFilter(label=_("resident"), field_name="resident_id")
    enterprise = IdFilter(label=_("enterprise"), field_name="enterprise_id")
    area = _area_filter(_under)
    current = django_filters.BooleanFilter(
        label=_("current"),
        method="filter_current",
        help_text=_("true: the pairings in force today; false: those ended or not yet begun."),
    )

    class Meta:
        model = Pairing
        fields = ["programme", "sponsor", "household", "resident", "enterprise", "area", "current"]

    def filter_current(self, queryset, name, value):
        if value is None:
            return queryset
        current = queryset.current()
        return current if value else queryset.exclude(pk__in=current.values("pk"))


# --- visits, the schedule, occurrences ---------------------------------------------------


# The same as `_under`: the filter's field refuses anything but a code.
_under_code = _under


class VisitFilterSet(PickerFilterSet, FilterSet):
    household = IdFilter(label=_("household"), field_name="household_id")
    enterprise = IdFilter(label=_("enterprise"), field_name="enterprise_id")
    visitor = IdFilter(label=_("visited by"), field_name="visitor_id")
    outcome = django_filters.ChoiceFilter(label=_("outcome"), choices=Outcome.choices)
    since = django_filters.DateFilter(
        label=_("since"), method="filter_since", help_text=_("Visits on or after this day.")
    )
    until = django_filters.DateFilter(
        label=_("until"), method="filter_until", help_text=_("Visits on or before this day.")
    )
    under = _area_filter(_under_code)
    far = django_filters.BooleanFilter(
        label=_("far from the household"), field_name="far_from_area"
    )

    class Meta:
        model = Visit
        fields = []

    def filter_since(self, queryset, name, value):
        return queryset.filter(visited_at__gte=_midnight(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(visited_at__lt=_midnight(value + datetime.timedelta(days=1)))


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


class ScheduleFilterSet(PickerFilterSet, FilterSet):
    overdue = django_filters.BooleanFilter(
        label=_("overdue"),
        method="filter_overdue",
        help_text=_("true: due before today; false: due today or later."),
    )
    due_before = django_filters.DateFilter(
        label=_("due on or before"), field_name="due_on", lookup_expr="lte"
    )
    household = IdFilter(label=_("household"), field_name="household_id")
    enterprise = IdFilter(label=_("enterprise"), field_name="enterprise_id")
    under = _area_filter(_under_code)

    class Meta:
        model = ScheduledVisit
        fields = []

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        if value is True:
            return queryset.filter(due_on__lt=today, status=ScheduleStatus.SCHEDULED)
        if value is False:
            return queryset.filter(due_on__gte=today)
        return queryset


class OccurrenceFilterSet(PickerFilterSet, FilterSet):
    household = IdFilter(label=_("household"), field_name="household_id")
    trigger = django_filters.CharFilter(label=_("trigger"), field_name="trigger__code")
    under = _area_filter(_under_code)

    class Meta:
        model = Occurrence
        fields = []


# --- events, meetings, decisions ---------------------------------------------------------


def month_bounds(value: str) -> tuple[datetime.datetime, datetime.datetime] | None:
    """The local start of a month "2026-11" and of the next one; None if it is not one."""
    match = _MONTH.match(str(value or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    year, month = int(match[1]), int(match[2])
    first = datetime.date(year, month, 1)
    after = datetime.date(year + month // 12, month % 12 + 1, 1)
    return _midnight(first), _midnight(after)


def _month_filter(field_name: str):
    def apply(self, queryset, name, value):
        bounds = month_bounds(value)
        if bounds is None:
            return queryset.none()
        return queryset.filter(**{f"{field_name}__gte": bounds[0], f"{field_name}__lt": bounds[1]})

    return apply


def _filter_under(self, queryset, name, value):
    return queryset.filter(subtree_q("area_code", value.strip())) if value else queryset


class EventFilterSet(PickerFilterSet, FilterSet):
    type = django_filters.CharFilter(
        label=gettext_lazy("type"), field_name="event_type__code", help_text="An event type code."
    )
    under = _area_filter("filter_under")
    month = django_filters.CharFilter(
        label=gettext_lazy("month"), method="filter_month", help_text="A month: 2026-11."
    )

    class Meta:
        model = Event
        fields = ["type", "under", "month"]

    filter_under = _filter_under
    filter_month = _month_filter("happened_at")


class MeetingFilterSet(PickerFilterSet, FilterSet):
    routine = django_filters.CharFilter(
        label=gettext_lazy("routine"), field_name="routine__code", help_text="A routine code."
    )
    under = _area_filter("filter_under")
    month = django_filters.CharFilter(
        label=gettext_lazy("month"), method="filter_month", help_text="A month: 2026-11."
    )

    class Meta:
        model = Meeting
        fields = ["routine", "under", "month"]

    filter_under = _filter_under
    filter_month = _month_filter("held_at")


class DecisionFilterSet(FilterSet):
    mine = django_filters.BooleanFilter(
        label=gettext_lazy("mine"), method="filter_mine", help_text="Only the ones you own."
    )
    open = django_filters.BooleanFilter(
        label=gettext_lazy("open tasks"),
        method="filter_open",
        help_text="true: tasks (owner and due date) not done yet.",
    )
    meeting = IdFilter(label=gettext_lazy("meeting"), field_name="meeting_id")

    class Meta:
        model = Decision
        fields = ["mine", "open", "meeting"]

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        user = self.request.user if self.request is not None else None
        mine = Q(owner_id=getattr(user, "pk", None))
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        open_task = Q(owner__isnull=False, due_on__isnull=False, done_on__isnull=True)
        return queryset.filter(open_task) if value else queryset.exclude(open_task)
