"""Filtersets of the points shop (the API's lists): shops, goods and redemptions."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter
from yiwang.core.scoping import subtree_q
from yiwang.points.models import Goods, Redemption, Shop


def _under(queryset, name, value):
    return queryset.filter(subtree_q("area_code", value.strip())) if value else queryset


class ShopFilterSet(FilterSet):
    under = AreaCodeFilter(
        label=_("area"), method=_under, help_text=_("The area and the areas under it.")
    )
    is_active = django_filters.BooleanFilter(label=_("open"))

    class Meta:
        model = Shop
        fields = []


class GoodsFilterSet(FilterSet):
    shop = IdFilter(label=_("shop"), field_name="shop_id")
    is_active = django_filters.BooleanFilter(label=_("on sale"))

    class Meta:
        model = Goods
        fields = []


class RedemptionFilterSet(FilterSet):
    household = IdFilter(label=_("household"), field_name="household_id")
    goods = IdFilter(label=_("goods"), field_name="goods_id")
    shop = IdFilter(label=_("shop"), field_name="goods__shop_id")
    since = django_filters.DateFilter(
        label=_("since"), field_name="created_at", lookup_expr="date__gte"
    )
    until = django_filters.DateFilter(
        label=_("until"), field_name="created_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Redemption
        fields = []
