"""Ledger filtersets, shared by the ledger pages and the API."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.areas.picker import AreaPicker, PickerFilterSet
from yiwang.core import validators
from yiwang.core.filters import AreaCodeFilter, FilterSet, IdFilter
from yiwang.registry.models import (
    Household,
    HouseholdCategory,
    HouseholdStatus,
    Migrant,
    Resident,
    ResidentStatus,
    ResidentTag,
    Tag,
    TagCategory,
)
from yiwang.registry.selectors import search_residents


def _under(queryset, name, value):
    return queryset.under(value.strip()) if value else queryset


class ResidentFilterSet(PickerFilterSet, FilterSet):
    search = django_filters.CharFilter(
        label=_("search"),
        method="filter_search",
        help_text=_(
            "Any part of the name (张三, 建国, 国), pinyin initials (zs), or the last digits of "
            "an ID or phone number."
        ),
    )
    # Not part of `search`: a "contains" on the address is served by no index, so it is
    # a filter of its own, meant for a village's or a unit's residents.
    address = django_filters.CharFilter(
        label=_("address"),
        method="filter_address",
        help_text=_("Part of the household's address (within your village is quickest)."),
    )
    tag = django_filters.CharFilter(
        label=_("tag"), method="filter_tag", help_text=_("A tag code the resident carries now.")
    )
    under = AreaCodeFilter(label=_("area"), method=_under, widget=AreaPicker())
    household = IdFilter(label=_("household"), field_name="household_id")
    category = django_filters.ChoiceFilter(
        label=_("household category"),
        field_name="household__category",
        choices=HouseholdCategory.choices,
    )
    status = django_filters.ChoiceFilter(label=_("status"), choices=ResidentStatus.choices)

    class Meta:
        model = Resident
        fields = ["search", "address", "tag", "under", "household", "category", "status"]

    def filter_queryset(self, queryset):
        # The search goes last: when the other filters leave a scope alone (`under`), a
        # one-character search counts and pages from its index (`search_residents`).
        queryset = super().filter_queryset(queryset)
        return search_residents(queryset, self.form.cleaned_data.get("search") or "")

    def filter_search(self, queryset, name, value):
        return queryset  # applied last, by filter_queryset

    def filter_address(self, queryset, name, value):
        value = validators.normalize_text(value)
        return queryset.filter(household__address__contains=value) if value else queryset

    def filter_tag(self, queryset, name, value):
        if not value:
            return queryset
        carries = ResidentTag.objects.current().filter(
            resident=OuterRef("pk"), tag__code=value.strip()
        )
        return queryset.filter(Exists(carries))


class HouseholdFilterSet(PickerFilterSet, FilterSet):
    number = django_filters.CharFilter(label=_("household number"))
    under = AreaCodeFilter(label=_("area"), method=_under, widget=AreaPicker())
    category = django_filters.ChoiceFilter(label=_("category"), choices=HouseholdCategory.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=HouseholdStatus.choices)
    tag = django_filters.CharFilter(
        label=_("tag"),
        method="filter_tag",
        help_text=_("A tag code that a living member carries now."),
    )

    class Meta:
        model = Household
        fields = ["number", "under", "category", "status", "tag"]

    def filter_tag(self, queryset, name, value):
        if not value:
            return queryset
        carries = ResidentTag.objects.current().filter(
            resident__household=OuterRef("pk"),
            resident__status=ResidentStatus.LIVING,
            tag__code=value.strip(),
        )
        return queryset.filter(Exists(carries))


class TagFilterSet(FilterSet):
    category = django_filters.ChoiceFilter(label=_("category"), choices=TagCategory.choices)
    active = django_filters.BooleanFilter(label=_("active"), field_name="is_active")
    key = django_filters.BooleanFilter(
        label=_("makes a key household"), field_name="makes_key_household"
    )

    class Meta:
        model = Tag
        fields = ["category", "active", "key"]


class MigrantFilterSet(PickerFilterSet, FilterSet):
    search = django_filters.CharFilter(label=_("search"), method="filter_search")
    under = AreaCodeFilter(label=_("area"), method=_under, widget=AreaPicker())
    host_household = IdFilter(label=_("host household"), field_name="host_household_id")
    present = django_filters.BooleanFilter(
        label=_("still here"), method="filter_present", help_text=_("Not yet left.")
    )

    class Meta:
        model = Migrant
        fields = ["search", "under", "host_household", "present"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__contains=value) | Q(origin__contains=value) | Q(address__contains=value)
        )

    def filter_present(self, queryset, name, value):
        if value is None:
            return queryset
        here = Q(left_on__isnull=True) | Q(left_on__gt=timezone.localdate())
        return queryset.filter(here) if value else queryset.exclude(here)
