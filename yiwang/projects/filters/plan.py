"""Filtersets of a project's milestones, daily progress and permits (the API's lists)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import FilterSet, IdFilter
from yiwang.projects.models import Milestone, Permit, PermitKind, ProgressEntry


class MilestoneFilterSet(FilterSet):
    project = IdFilter(label=_("project"), field_name="project_id")
    done = django_filters.BooleanFilter(
        label=_("done"), field_name="done_on", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Milestone
        fields = []


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
