"""Filtersets of a project's milestones, daily progress and permits (the API's lists)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter
from yiwang.core.scoping import subtree_q
from yiwang.projects.models import Milestone, Permit, PermitKind, ProgressEntry


def under_project(queryset, name, value):
    """The milestones of the projects in the area's subtree."""
    return queryset.filter(subtree_q("project__area_code", value.strip())) if value else queryset


class MilestoneFilterSet(FilterSet):
    project = IdFilter(label=_("project"), field_name="project_id")
    done = django_filters.BooleanFilter(
        label=_("done"), field_name="done_on", lookup_expr="isnull", exclude=True
    )
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


class ProgressFilterSet(FilterSet):
    project = IdFilter(label=_("project"), field_name="project_id")
    since = django_filters.DateFilter(label=_("since"), field_name="day", lookup_expr="gte")
    until = django_filters.DateFilter(label=_("until"), field_name="day", lookup_expr="lte")

    class Meta:
        model = ProgressEntry
        fields = []


class PermitFilterSet(FilterSet):
    project = IdFilter(label=_("project"), field_name="project_id")
    kind = django_filters.ChoiceFilter(label=_("permit"), choices=PermitKind.choices)

    class Meta:
        model = Permit
        fields = []
