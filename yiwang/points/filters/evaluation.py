"""Filtersets of the monthly evaluation, for the API: evaluations, objections."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter
from yiwang.core.reporting import parse_month
from yiwang.core.scoping import subtree_q
from yiwang.points.models import Evaluation, EvaluationStatus, Objection


def _month(queryset, field: str, value: str):
    try:
        month = parse_month(value.strip())
    except ValueError:
        return queryset.none()
    return queryset.filter(**{field: month})


class EvaluationFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(label=_("status"), choices=EvaluationStatus.choices)
    month = django_filters.CharFilter(
        label=_("month"), method="filter_month", help_text="A month: 2026-11."
    )
    under = AreaCodeFilter(
        label=_("area"), method="filter_under", help_text="The area and the areas under it."
    )

    class Meta:
        model = Evaluation
        fields = ["status", "month", "under"]

    def filter_month(self, queryset, name, value):
        return _month(queryset, "month", value) if value else queryset

    def filter_under(self, queryset, name, value):
        return queryset.filter(subtree_q("area_code", value.strip())) if value else queryset


class ObjectionFilterSet(FilterSet):
    answered = django_filters.BooleanFilter(
        label=_("answered"), method="filter_answered", help_text="true: answered; false: not yet."
    )
    evaluation = IdFilter(label=_("evaluation"), field_name="selection__evaluation_id")
    under = AreaCodeFilter(
        label=_("area"), method="filter_under", help_text="The area and the areas under it."
    )

    class Meta:
        model = Objection
        fields = ["answered", "evaluation", "under"]

    def filter_answered(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(upheld__isnull=not value)

    def filter_under(self, queryset, name, value):
        return (
            queryset.filter(subtree_q("selection__area_code", value.strip())) if value else queryset
        )
