"""Filtersets of government services, shared by the pages and the API: the catalogue's
and the help requests' (whose `under`, `open` and `overdue` the cockpit's figures use)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter, under
from yiwang.services.models import Channel, HelpRequest, ServiceItem, ServiceMode, Step
from yiwang.services.selectors.help import open_q, overdue_q


class ServiceItemFilterSet(FilterSet):
    mode = django_filters.ChoiceFilter(label=_("mode"), choices=ServiceMode.choices)
    is_cross_province = django_filters.BooleanFilter(label=_("across provinces (跨省通办)"))
    is_active = django_filters.BooleanFilter(label=_("offered"))
    department = IdFilter(label=_("deciding department"), field_name="department")
    search = django_filters.CharFilter(
        label=_("search"), method="by_text", max_length=50, help_text=_("Part of the name.")
    )

    class Meta:
        model = ServiceItem
        fields = []

    def by_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class HelpRequestFilterSet(FilterSet):
    under = AreaCodeFilter(
        label=_("area"), method=under, help_text=_("The area and the areas under it.")
    )
    step = django_filters.ChoiceFilter(label=_("step"), choices=Step.choices)
    item = IdFilter(label=_("item"), field_name="item")
    channel = django_filters.ChoiceFilter(label=_("taken"), choices=Channel.choices)
    open = django_filters.BooleanFilter(
        label=_("open"), method="is_open", help_text=_("Not delivered yet.")
    )
    overdue = django_filters.BooleanFilter(
        label=_("overdue"), method="is_overdue", help_text=_("Open and past its due day.")
    )
    is_late = django_filters.BooleanFilter(label=_("late"))
    number = django_filters.CharFilter(label=_("number"), max_length=20)

    class Meta:
        model = HelpRequest
        fields = []

    def is_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(open_q()) if value else queryset.exclude(open_q())

    def is_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        q = overdue_q(timezone.localdate())
        return queryset.filter(q) if value else queryset.exclude(q)
