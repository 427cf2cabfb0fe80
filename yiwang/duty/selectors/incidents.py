"""Reads of incidents: those a user sees, and the filterset shared by the incident list
page, the API and the cockpit's figure of open incidents."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet, under
from yiwang.duty.models import Incident, IncidentKind, IncidentStatus

OPEN_Q = ~Q(status=IncidentStatus.CLOSED)


def visible_incidents(user):
    """The incidents of the user's scope (every one for the system, `user` None)."""
    return Incident.objects.all() if user is None else Incident.objects.visible_to(user)


def overdue_q(now) -> Q:
    """A clock still to be done and past its due time."""
    return OPEN_Q & (
        Q(town_at__isnull=True, town_due__lt=now)
        | Q(county_at__isnull=True, county_due__lt=now)
        | Q(written_at__isnull=True, written_due__lt=now)
    )


class IncidentFilterSet(FilterSet):
    """The incidents' filters; `under` and `open` are what the cockpit's figure links with."""

    under = AreaCodeFilter(
        label=_("area"), method=under, help_text=_("The area and the areas under it.")
    )
    status = django_filters.ChoiceFilter(label=_("status"), choices=IncidentStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=IncidentKind.choices)
    open = django_filters.BooleanFilter(label=_("open"), method="is_open")
    overdue = django_filters.BooleanFilter(
        label=_("overdue"),
        method="is_overdue",
        help_text=_("A clock still running is past its due time."),
    )
    late = django_filters.BooleanFilter(
        label=_("late"), method="is_late", help_text=_("A clock ran out before its step was done.")
    )

    class Meta:
        model = Incident
        fields = []

    def is_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(OPEN_Q) if value else queryset.exclude(OPEN_Q)

    def is_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        q = overdue_q(timezone.now())
        return queryset.filter(q) if value else queryset.exclude(q)

    def is_late(self, queryset, name, value):
        if value is None:
            return queryset
        q = Q(town_late=True) | Q(county_late=True) | Q(written_late=True)
        return queryset.filter(q) if value else queryset.exclude(q)
