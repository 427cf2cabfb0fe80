"""Filtersets of micro-wishes, shared by the workers' list page and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.areas.picker import AreaPicker, PickerFilterSet
from yiwang.core.filters import AreaCodeFilter, FilterSet, under
from yiwang.volunteering.models import Wish, WishStatus


class WishFilterSet(PickerFilterSet, FilterSet):
    status = django_filters.ChoiceFilter(label=_("status"), choices=WishStatus.choices)
    under = AreaCodeFilter(
        label=_("area"),
        method=under,
        widget=AreaPicker(),
        help_text=_("The area and the areas under it."),
    )
    raised = django_filters.BooleanFilter(
        label=_("raised to the village"), field_name="raised_at", lookup_expr="isnull", exclude=True
    )
    since = django_filters.DateFilter(
        label=_("recorded since"), field_name="created_at", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label=_("recorded until"), field_name="created_at", lookup_expr="date__lte"
    )
    fulfilled_since = django_filters.DateFilter(
        label=_("fulfilled since"), field_name="fulfilled_at", lookup_expr="date__gte"
    )
    fulfilled_until = django_filters.DateFilter(
        label=_("fulfilled until"), field_name="fulfilled_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Wish
        fields = []
