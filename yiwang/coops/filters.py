"""Filtersets of the cooperatives, shared by the API lists and the cockpit's figures
(yiwang.coops.indicators counts the API lists through them): cooperatives, members,
contributions, trading and distributions. Each has `under` (the area and the areas under
it) and `cooperative` (a cooperative's id)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.utils import extend_schema_field

from yiwang.coops import access
from yiwang.coops.models import (
    BoardRole,
    Contribution,
    ContributionKind,
    Cooperative,
    Distribution,
    DistributionMode,
    DistributionStatus,
    Member,
    MemberKind,
    Trading,
)
from yiwang.coops.selectors.members import NOBODY, member_text_q
from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter, under

UNDER_HELP = _("The area and the areas under it.")


class YearField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 2000)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 2000, "maximum": 2100})
class YearFilter(django_filters.NumberFilter):
    """A year (2000 to 2100), a whole number."""

    field_class = YearField


def _year_filter():
    return YearFilter(label=_("year"), field_name="year")


class CooperativeFilterSet(FilterSet):
    under = AreaCodeFilter(label=_("area"), method=under, help_text=UNDER_HELP)
    mode = django_filters.ChoiceFilter(
        label=_("distribution mode"), choices=DistributionMode.choices
    )
    is_active = django_filters.BooleanFilter(label=_("active"))
    alliance = IdFilter(label=_("alliance"), field_name="alliance")
    board_role = django_filters.ChoiceFilter(
        label=_("your seat"),
        choices=BoardRole.choices,
        method="by_own_seat",
        help_text=_("The cooperatives where you hold this seat now."),
    )
    search = django_filters.CharFilter(
        label=_("search"), method="by_name", max_length=50, help_text=_("Part of the name.")
    )

    class Meta:
        model = Cooperative
        fields = []

    def by_name(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(name__icontains=value) if value else queryset

    def by_own_seat(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None or not getattr(user, "pk", None):
            return queryset.none() if value else queryset
        return queryset.filter(
            pk__in=Cooperative.objects.filter(
                board__user=user, board__role=value, board__left_on__isnull=True
            ).values("pk")
        )


class MemberFilterSet(FilterSet):
    under = AreaCodeFilter(label=_("area"), method=under, help_text=UNDER_HELP)
    cooperative = IdFilter(label=_("cooperative"), field_name="cooperative")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=MemberKind.choices)
    household = IdFilter(label=_("household"), field_name="household")
    current = django_filters.BooleanFilter(
        label=_("current"),
        field_name="left_on",
        lookup_expr="isnull",
        help_text=_("Members who have not left."),
    )
    search = django_filters.CharFilter(
        label=_("search"),
        method="by_text",
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": pgettext_lazy("coop members", "Number or name"),
            }
        ),
        help_text=_(
            "A member's number, their household's number, or part of their name (in the "
            "cooperatives whose members' names you read in full)."
        ),
    )

    class Meta:
        model = Member
        fields = []

    def by_text(self, queryset, name, value):
        # Without a request (no reader), no name is searched.
        request = self.request
        named = access.names_q(request.user) if request is not None else NOBODY
        q = member_text_q(value, named=named)
        return queryset if q is None else queryset.filter(q)


class ContributionFilterSet(FilterSet):
    under = AreaCodeFilter(label=_("area"), method=under, help_text=UNDER_HELP)
    cooperative = IdFilter(label=_("cooperative"), field_name="cooperative")
    member = IdFilter(label=_("member"), field_name="member")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=ContributionKind.choices)
    since = django_filters.DateFilter(label=_("from"), field_name="on", lookup_expr="gte")
    until = django_filters.DateFilter(label=_("to"), field_name="on", lookup_expr="lte")

    class Meta:
        model = Contribution
        fields = []


class TradingFilterSet(FilterSet):
    under = AreaCodeFilter(label=_("area"), method=under, help_text=UNDER_HELP)
    cooperative = IdFilter(label=_("cooperative"), field_name="cooperative")
    member = IdFilter(label=_("member"), field_name="member")
    year = _year_filter()

    class Meta:
        model = Trading
        fields = []


class DistributionFilterSet(FilterSet):
    under = AreaCodeFilter(label=_("area"), method=under, help_text=UNDER_HELP)
    cooperative = IdFilter(label=_("cooperative"), field_name="cooperative")
    year = _year_filter()
    status = django_filters.ChoiceFilter(label=_("status"), choices=DistributionStatus.choices)
    mode = django_filters.ChoiceFilter(
        label=_("distribution mode"), choices=DistributionMode.choices
    )

    class Meta:
        model = Distribution
        fields = []
