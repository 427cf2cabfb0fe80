"""The filterset of the awards (the final selections of the monthly evaluations), shared
by the API's list and the cockpit's indicator."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet
from yiwang.core.reporting import add_months, local_midnight, parse_month
from yiwang.core.scoping import subtree_q
from yiwang.points.models import AwardKind, Selection


class AwardFilterSet(FilterSet):
    month = django_filters.CharFilter(
        label=_("month"), method="filter_month", help_text="The month evaluated: 2026-11."
    )
    final_month = django_filters.CharFilter(
        label=_("made final in"),
        method="filter_final_month",
        help_text="The month the award was made final (after its public notice): 2026-12.",
    )
    kind = django_filters.ChoiceFilter(label=_("award"), choices=AwardKind.choices)
    under = AreaCodeFilter(
        label=_("area"), method="filter_under", help_text="The area and the areas under it."
    )

    class Meta:
        model = Selection
        fields = ["month", "final_month", "kind", "under"]

    def filter_month(self, queryset, name, value):
        if not value:
            return queryset
        try:
            return queryset.filter(evaluation__month=parse_month(value.strip()))
        except ValueError:
            return queryset.none()

    def filter_final_month(self, queryset, name, value):
        if not value:
            return queryset
        try:
            first = parse_month(value.strip())
        except ValueError:
            return queryset.none()
        return queryset.filter(
            evaluation__finalised_at__gte=local_midnight(first),
            evaluation__finalised_at__lt=local_midnight(add_months(first, 1)),
        )

    def filter_under(self, queryset, name, value):
        return queryset.filter(subtree_q("area_code", value.strip())) if value else queryset
