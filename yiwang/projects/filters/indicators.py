"""Filtersets of the battle map's figures in the cockpit (yiwang.projects.indicators):
the key projects, the milestones, the enterprise requests, each narrowed to an area and
its subtree (`under`). The API lists of these rows read the same filters, so that an
indicator's value is the count of its records."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet
from yiwang.core.scoping import subtree_q
from yiwang.projects.models import (
    EnterpriseRequest,
    Milestone,
    Project,
    ProjectKind,
    RequestKind,
    RequestStatus,
    Stage,
)


def under(queryset, name, value):
    return queryset.filter(subtree_q("area_code", value.strip())) if value else queryset


def under_project(queryset, name, value):
    return queryset.filter(subtree_q("project__area_code", value.strip())) if value else queryset


def overdue_q(today) -> Q:
    """Open requests whose current stage is past its due day."""
    return (
        Q(status=RequestStatus.RECEIVED, verify_due__lt=today)
        | Q(status=RequestStatus.VERIFYING, reply_due__lt=today)
        | Q(status=RequestStatus.REPLIED, resolve_due__lt=today)
    )


class ProjectIndicatorFilterSet(FilterSet):
    under = AreaCodeFilter(
        label=_("area"), method=under, help_text=_("The area and the areas under it.")
    )
    is_active = django_filters.BooleanFilter(label=_("active"))
    kind = django_filters.ChoiceFilter(label=_("type"), choices=ProjectKind.choices)
    stage = django_filters.ChoiceFilter(label=_("stage"), choices=Stage.choices)

    class Meta:
        model = Project
        fields = []


class MilestoneIndicatorFilterSet(FilterSet):
    under = AreaCodeFilter(
        label=_("area"),
        method=under_project,
        help_text=_("The projects of the area and of the areas under it."),
    )
    active = django_filters.BooleanFilter(
        label=_("of an active project"), field_name="project__is_active"
    )
    late = django_filters.BooleanFilter(
        label=_("late"), method="is_late", help_text=_("Not done and past its due day.")
    )

    class Meta:
        model = Milestone
        fields = []

    def is_late(self, queryset, name, value):
        if value is None:
            return queryset
        q = Q(done_on__isnull=True, due_on__lt=timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)


class RequestIndicatorFilterSet(FilterSet):
    under = AreaCodeFilter(
        label=_("area"), method=under, help_text=_("The area and the areas under it.")
    )
    status = django_filters.ChoiceFilter(label=_("status"), choices=RequestStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=RequestKind.choices)
    open = django_filters.BooleanFilter(
        label=_("open"), method="is_open", help_text=_("Not resolved yet.")
    )
    overdue = django_filters.BooleanFilter(
        label=_("overdue"),
        method="is_overdue",
        help_text=_("The current stage is past its due day."),
    )

    class Meta:
        model = EnterpriseRequest
        fields = []

    def is_open(self, queryset, name, value):
        if value is None:
            return queryset
        q = ~Q(status=RequestStatus.RESOLVED)
        return queryset.filter(q) if value else queryset.exclude(q)

    def is_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        q = overdue_q(timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)
