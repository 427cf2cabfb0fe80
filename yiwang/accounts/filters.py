"""Post and user filtersets, shared by the post pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.accounts.models import Post, Role, User
from yiwang.areas.picker import AreaPicker, PickerFilterSet
from yiwang.core.filters import AreaCodeFilter, FilterSet
from yiwang.core.scoping import subtree_q


class PostFilterSet(PickerFilterSet, FilterSet):
    role = django_filters.ChoiceFilter(label=_("role"), choices=Role.choices)
    under = AreaCodeFilter(label=_("area"), method="filter_under", widget=AreaPicker())
    user = django_filters.CharFilter(label=_("username"), field_name="user__username")
    current = django_filters.BooleanFilter(label=_("current"), method="filter_current")

    class Meta:
        model = Post
        fields = ["role", "under", "user", "current"]

    def filter_under(self, queryset, name, value):
        return queryset.filter(subtree_q("area_code", value.strip())) if value else queryset

    def filter_current(self, queryset, name, value):
        if value is None:
            return queryset
        current = Post.objects.current()
        return queryset.filter(pk__in=current) if value else queryset.exclude(pk__in=current)


class UserFilterSet(FilterSet):
    q = django_filters.CharFilter(label=_("search"), method="filter_q")

    class Meta:
        model = User
        fields = ["q"]

    def filter_q(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value))
