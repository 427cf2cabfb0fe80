"""The filtersets of the points ledger, shared by the pages and the API: entries (month,
area, status, list, subject) and the items of the lists in force."""

from __future__ import annotations

import datetime
import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.areas.picker import AreaPicker, PickerFilterSet
from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter
from yiwang.core.scoping import subtree_q
from yiwang.points.models import Entry, EntrySource, EntryStatus, ListKind

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def _under(queryset, name, value):
    return queryset.filter(subtree_q("area_code", value.strip())) if value else queryset


def _month(value) -> datetime.date | None:
    found = _MONTH.match((value or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        return None
    return datetime.date(int(found.group(1)), int(found.group(2)), 1)


class EntryFilterSet(PickerFilterSet, FilterSet):
    month = django_filters.CharFilter(
        label=_("month"),
        method="filter_month",
        help_text=_("Such as 2026-11."),
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    under = AreaCodeFilter(
        label=_("area"),
        method=_under,
        widget=AreaPicker(),
        help_text=_("The area and the areas under it."),
    )
    # The overview's links: an area (as `under`) and a span of whole months.
    area = AreaCodeFilter(label=_("area"), method=_under, widget=forms.HiddenInput())
    status = django_filters.ChoiceFilter(label=_("status"), choices=EntryStatus.choices)
    kind = django_filters.ChoiceFilter(
        label=_("list"), choices=ListKind.choices, field_name="item__duty_list__kind"
    )
    source = django_filters.ChoiceFilter(label=_("source"), choices=EntrySource.choices)
    household = IdFilter(label=_("household"), field_name="household_id")
    resident = IdFilter(label=_("party member"), field_name="resident_id")
    subject = django_filters.CharFilter(
        label=_("subject"),
        method="filter_subject",
        help_text=_("The start of the party member's name, or the household number."),
    )

    class Meta:
        model = Entry
        fields = []

    def filter_month(self, queryset, name, value):
        found = _MONTH.match(value.strip()) if value else None
        if not value:
            return queryset
        if not found or not 1 <= int(found.group(2)) <= 12:
            return queryset.none()
        # `month` is the month's first day: a range the (month, area_code) index answers,
        # where the year and month of the date would read every row.
        first = datetime.date(int(found.group(1)), int(found.group(2)), 1)
        after = datetime.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return queryset.filter(month__gte=first, month__lt=after)

    def filter_since(self, queryset, name, value):
        month = _month(value)
        return queryset.none() if month is None else queryset.filter(month__gte=month)

    def filter_until(self, queryset, name, value):
        month = _month(value)
        return queryset.none() if month is None else queryset.filter(month__lte=month)

    def filter_subject(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(resident__name__startswith=value) | Q(household__number=value))


# `from` and `to` (the overview's months) are Python keywords: added by name.
EntryFilterSet.base_filters["from"] = django_filters.CharFilter(
    label=_("from"), method="filter_since", widget=forms.HiddenInput()
)
EntryFilterSet.base_filters["to"] = django_filters.CharFilter(
    label=_("to"), method="filter_until", widget=forms.HiddenInput()
)
