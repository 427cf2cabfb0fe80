"""The filters of the benefit passes, shared by the list page and the API: the household,
the month the pass is valid in, the benefit, the grid (and what lies under it), revoked
or not."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from yiwang.areas.picker import AreaPicker, PickerFilterSet
from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter, YesNoField
from yiwang.core.reporting import parse_month
from yiwang.core.scoping import subtree_q
from yiwang.points.models import Pass

# YYYY-MM of the years parse_month reads.
MONTH_PATTERN = r"^(19[5-9][0-9]|2[0-9]{3})-(0?[1-9]|1[0-2])$"


class MonthField(forms.CharField):
    """A month as YYYY-MM, read as its first day."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_month(value.strip())
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2026-12"})
class MonthFilter(django_filters.Filter):
    field_class = MonthField


class YesNoFilter(django_filters.BooleanFilter):
    field_class = YesNoField


class PassFilterSet(PickerFilterSet, FilterSet):
    household = IdFilter(label=_("household"), field_name="household_id")
    month = MonthFilter(
        label=_("valid in the month"),
        field_name="valid_from",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-12"}),
        help_text=_("A month: 2026-12."),
    )
    benefit = django_filters.CharFilter(label=_("benefit"), field_name="benefit__code")
    grid = AreaCodeFilter(
        label=_("grid"),
        method="filter_grid",
        widget=AreaPicker(),
        help_text=_("The area and the areas under it."),
    )
    revoked = YesNoFilter(label=_("revoked"), method="filter_revoked")

    class Meta:
        model = Pass
        fields = ["household", "month", "benefit", "grid", "revoked"]

    def filter_grid(self, queryset, name, value):
        return queryset.filter(subtree_q("area_code", value.strip())) if value else queryset

    def filter_revoked(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(revoked_at__isnull=not value)
