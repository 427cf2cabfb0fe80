"""The ledger's lists: residents with search and filters, their export, and the likely
duplicates."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.registry import services
from yiwang.registry.filters import ResidentFilterSet
from yiwang.registry.models import Resident, Tag
from yiwang.registry.selectors import (
    duplicate_matches,
    export_residents,
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
def resident_export(request):
    """The current filter as XLSX or CSV; full numbers only with the permission."""
    fmt = request.GET.get("fmt", "xlsx")
    if fmt not in EXPORT_TYPES:
        fmt = "xlsx"
    full = request.GET.get("full") == "1"
    if full and not request.user.has_perm("registry.export_personal_data"):
        raise PermissionDenied(_("Your account may not export full ID and phone numbers."))
    filterset = _filterset(request)
    queryset = filterset.qs
    filters = {k: v for k, v in request.GET.items() if k in ResidentFilterSet.base_filters and v}
    services.record_export(actor=request.user, count=queryset.count(), filters=filters, full=full)
    response = HttpResponse(
        export_residents(queryset, fmt, full=full), content_type=EXPORT_TYPES[fmt]
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="ledger-{stamp}.{fmt}"'
    return response


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
