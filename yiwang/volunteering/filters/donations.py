"""Filtersets of funds, donations and pay-outs (the API's lists and the fund's page)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter, under
from yiwang.volunteering.models import Donation, DonationKind, Fund, Payout


class FundFilterSet(FilterSet):
    under = AreaCodeFilter(
        label=_("area"), method=under, help_text=_("The area and the areas under it.")
    )
    is_active = django_filters.BooleanFilter(label=_("open"))

    class Meta:
        model = Fund
        fields = []


class DonationFilterSet(FilterSet):
    fund = IdFilter(label=_("fund"), field_name="fund_id")
    wish = IdFilter(label=_("wish"), field_name="wish_id")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=DonationKind.choices)
    since = django_filters.DateFilter(label=_("since"), field_name="received_on", lookup_expr="gte")
    until = django_filters.DateFilter(label=_("until"), field_name="received_on", lookup_expr="lte")

    class Meta:
        model = Donation
        fields = []


class PayoutFilterSet(FilterSet):
    fund = IdFilter(label=_("fund"), field_name="fund_id")
    wish = IdFilter(label=_("wish"), field_name="wish_id")
    since = django_filters.DateFilter(label=_("since"), field_name="paid_on", lookup_expr="gte")
    until = django_filters.DateFilter(label=_("until"), field_name="paid_on", lookup_expr="lte")

    class Meta:
        model = Payout
        fields = []
