"""Case filtersets, shared by the case pages and the API."""

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.areas.picker import AreaPicker, PickerFilterSet
from yiwang.cases.models import (
    Case,
    CaseKind,
    Category,
    HandlingLevel,
    Satisfaction,
    Source,
    Status,
)
from yiwang.core import validators
from yiwang.core.filters import AreaCodeFilter, FilterSet
from yiwang.core.scoping import subtree_q

RESPONSE_CHOICES = [("on_time", _("in time")), ("late", _("late")), ("any", _("at all"))]


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _on_time(queryset, field: str, value: str):
    if value == "on_time":
        return queryset.filter(**{field: True})
    if value == "late":
        return queryset.filter(**{field: False})
    if value == "any":
        return queryset.filter(**{f"{field}__isnull": False})
    return queryset


class CaseFilterSet(PickerFilterSet, FilterSet):
    search = django_filters.CharFilter(
        label=_("search"),
        method="filter_search",
        help_text=_("The case number, or words of the title."),
    )
    status = django_filters.MultipleChoiceFilter(label=_("status"), choices=Status.choices)
    category = django_filters.CharFilter(
        label=_("category"),
        method="filter_category",
        help_text=_("A category code; a top-level one takes its sub-categories too."),
    )
    kind = django_filters.ChoiceFilter(
        label=_("kind"), field_name="category__kind", choices=CaseKind.choices
    )
    source = django_filters.ChoiceFilter(label=_("source"), choices=Source.choices)
    under = AreaCodeFilter(
        label=_("area"),
        method="filter_under",
        widget=AreaPicker(),
        help_text=_("The area and the areas under it."),
    )
    department = django_filters.CharFilter(
        label=_("department"), field_name="assignee_department__code"
    )
    urgent = django_filters.BooleanFilter(label=_("urgent"), field_name="is_urgent")
    supervised = django_filters.BooleanFilter(label=_("supervised"))
    parked = django_filters.BooleanFilter(label=_("parked"))
    overdue = django_filters.BooleanFilter(
        label=_("overdue"),
        method="filter_overdue",
        help_text=_("Past the current stage's due time."),
    )
    reported_after = django_filters.DateFilter(
        label=_("reported on or after"), method="filter_reported_after"
    )
    reported_before = django_filters.DateFilter(
        label=_("reported on or before"), method="filter_reported_before"
    )
    # The cases behind each figure of the rates (yiwang.cases.selectors.rates).
    area_code = django_filters.CharFilter(
        label=_("exactly at area code"),
        help_text=_("Cases placed on this area itself, not below it."),
    )
    response = django_filters.ChoiceFilter(
        label=_("answered"),
        choices=RESPONSE_CHOICES,
        method="filter_response",
        help_text=_("Accepted, rejected or merged: in time, late, or at all."),
    )
    resolution = django_filters.ChoiceFilter(
        label=_("resolved"),
        choices=RESPONSE_CHOICES,
        method="filter_resolution",
        help_text=_("Resolved: in time, late, or at all."),
    )
    satisfaction = django_filters.MultipleChoiceFilter(
        label=_("satisfaction"), choices=Satisfaction.choices
    )
    rated = django_filters.BooleanFilter(
        label=_("rated"),
        method="filter_rated",
        help_text=_("The reporter's satisfaction is known."),
    )

    class Meta:
        model = Case
        fields = [
            "search",
            "status",
            "category",
            "kind",
            "source",
            "under",
            "department",
            "urgent",
            "supervised",
            "parked",
            "overdue",
            "reported_after",
            "reported_before",
            "area_code",
            "response",
            "resolution",
            "satisfaction",
            "rated",
        ]

    def filter_search(self, queryset, name, value):
        value = validators.normalize_text(value)
        if not value:
            return queryset
        return queryset.filter(Q(number=value) | Q(title__contains=value))

    def filter_category(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(category__code=value) | Q(category__parent__code=value))

    def filter_under(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(subtree_q("area_code", value)) if value else queryset

    # Local midnights, not `reported_at__date`: the same cases, through the index.
    def filter_reported_after(self, queryset, name, value):
        return queryset.filter(reported_at__gte=_midnight(value))

    def filter_reported_before(self, queryset, name, value):
        return queryset.filter(reported_at__lt=_midnight(value + datetime.timedelta(days=1)))

    def filter_response(self, queryset, name, value):
        return _on_time(queryset, "responded_on_time", value)

    def filter_resolution(self, queryset, name, value):
        return _on_time(queryset, "resolved_on_time", value)

    def filter_rated(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(satisfaction="") if value else queryset.filter(satisfaction="")

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(due_at__lt=timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)


class CategoryFilterSet(FilterSet):
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=CaseKind.choices)
    level = django_filters.ChoiceFilter(
        label=_("handling level"), field_name="handling_level", choices=HandlingLevel.choices
    )
    active = django_filters.BooleanFilter(label=_("active"), field_name="is_active")
    parent = django_filters.CharFilter(
        label=pgettext_lazy("case category", "parent"),
        method="filter_parent",
        help_text=_("A category code; empty for the top level."),
    )

    class Meta:
        model = Category
        fields = ["kind", "level", "active", "parent"]

    def filter_parent(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(parent__code=value) if value else queryset
