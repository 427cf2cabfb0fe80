"""The area filterset, shared by the tree pages and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.areas.models import Area, Level
from yiwang.core.filters import AreaCodeFilter, FilterSet
from yiwang.core.scoping import subtree_q


class AreaFilterSet(FilterSet):
    level = django_filters.ChoiceFilter(label=_("level"), choices=Level.choices)
    parent = AreaCodeFilter(label=_("parent code"), field_name="parent__code")
    under = AreaCodeFilter(label=_("under code"), method="filter_under")
    name = django_filters.CharFilter(label=_("name"), lookup_expr="icontains")
    open = django_filters.BooleanFilter(label=_("open"), method="filter_open")

    class Meta:
        model = Area
        fields = ["level", "parent", "under", "name", "open"]

    def filter_under(self, queryset, name, value):
        return queryset.filter(subtree_q("code", value.strip())) if value else queryset

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.open() if value else queryset.exclude(pk__in=Area.objects.open())
