"""Filtersets of service hours, shared by pages and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter, under
from yiwang.volunteering.models import HoursKind, HoursRecord, HoursStatus


class HoursFilterSet(FilterSet):
    under = AreaCodeFilter(
        label=_("area"), method=under, help_text=_("The area and the areas under it.")
    )
    volunteer = IdFilter(label=_("volunteer"), field_name="volunteer_id")
    activity = IdFilter(label=_("activity"), field_name="activity_id")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=HoursKind.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=HoursStatus.choices)
    since = django_filters.DateFilter(label=_("since"), field_name="served_on", lookup_expr="gte")
    until = django_filters.DateFilter(label=_("until"), field_name="served_on", lookup_expr="lte")

    class Meta:
        model = HoursRecord
        fields = []
