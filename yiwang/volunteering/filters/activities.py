"""Filtersets of activities, shared by pages and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter, under
from yiwang.volunteering.models import Activity, ActivityStatus, TargetGroup


class ActivityFilterSet(FilterSet):
    under = AreaCodeFilter(
        label=_("area"), method=under, help_text=_("The area and the areas under it.")
    )
    team = IdFilter(label=_("team"), field_name="team_id")
    target_group = django_filters.ChoiceFilter(label=_("target group"), choices=TargetGroup.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=ActivityStatus.choices)
    since = django_filters.DateFilter(
        label=_("since"), field_name="starts_at", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label=_("until"), field_name="starts_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Activity
        fields = []
