"""The ledger's lists: residents with search and filters, their export, and the likely
duplicates."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render

from yiwang.accounts import scope
from yiwang.registry.filters import HouseholdFilterSet, ResidentFilterSet
from yiwang.registry.models import Household, Relation, Resident, ResidentStatus, Tag
from yiwang.registry.selectors import (
    duplicate_matches,
    likely_duplicates,
    with_current_tags,
)

PAGE_SIZE = 50
EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _filterset(request):
    queryset = with_current_tags(
        Resident.objects.visible_to(request.user).select_related("household")
    ).order_by("area_code", "household__number", "id")
    return ResidentFilterSet(request.GET, queryset=queryset)


@login_required
def resident_list(request):
    filterset = _filterset(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page_obj": page,
        "tags": Tag.objects.filter(is_active=True),
        "can_export_full": request.user.has_perm("registry.export_personal_data"),
        "can_configure_tags": scope.can_configure(request.user),
    }
    return render(request, "registry/resident_list.html", context)


@login_required
def household_list(request):
    """The households of the ledger, by area and number, with the ledger's household
    filters: the records behind the cockpit's household figures."""
    queryset = (
        Household.objects.visible_to(request.user)
        .prefetch_related(Prefetch("residents", queryset=_heads(), to_attr="heads"))
        .order_by("area_code", "number", "id")
    )
    filterset = HouseholdFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/household_list.html",
        {"filterset": filterset, "page_obj": page, "tags": Tag.objects.filter(is_active=True)},
    )


def _heads():
    return Resident.objects.filter(relation=Relation.HEAD, status=ResidentStatus.LIVING).order_by()


@login_required
def duplicate_list(request):
    """Residents without an ID number who look like someone else of their unit: for
    review, each with the residents it may be, never merged."""
    queryset = likely_duplicates(
        Resident.objects.visible_to(request.user).select_related("household")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    matches = duplicate_matches(page.object_list)
    rows = [(resident, matches.get(resident.pk, [])) for resident in page.object_list]
    return render(request, "registry/duplicate_list.html", {"page_obj": page, "rows": rows})
