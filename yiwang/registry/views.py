"""Pages of the ledger: the resident list with search and filters, household and resident
cards, revealing a number, exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.accounts import scope
from yiwang.areas.models import Area
from yiwang.core.forms import add_service_error
from yiwang.core.services import MAX_IMPORT_BYTES, start_import
from yiwang.registry import services
from yiwang.registry.exports import export_residents, import_template
from yiwang.registry.filters import ResidentFilterSet
from yiwang.registry.forms import LedgerImportForm, RevealForm
from yiwang.registry.models import Household, LifeEvent, Resident, ResidentTag, Reveal, Tag
from yiwang.registry.selectors import with_current_tags

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
def household_detail(request, household_id: int):
    household = get_object_or_404(
        Household.objects.visible_to(request.user).select_related("unit"), pk=household_id
    )
    members = with_current_tags(household.residents.order_by("-relation", "birth_date", "id"))
    members = sorted(
        members,
        key=lambda r: (
            r.relation != "head",
            r.status != "living",
            r.birth_date or timezone.localdate(),
        ),
    )
    # The household's own history: who came and who left, wherever they are now.
    events = (
        LifeEvent.objects.filter(Q(from_household=household) | Q(to_household=household))
        .select_related("resident")
        .order_by("-on", "-id")[:50]
    )
    return render(
        request,
        "registry/household_detail.html",
        {"household": household, "members": members, "events": events},
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_detail(request, resident_id: int):
    resident = get_object_or_404(
        Resident.objects.visible_to(request.user).select_related("household"), pk=resident_id
    )
    can_reveal = request.user.has_perm("registry.reveal_personal_data")
    form = RevealForm(request.POST or None) if can_reveal else None
    revealed = None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            value = services.reveal(
                actor=request.user,
                resident_id=resident.pk,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            revealed = {"field": form.cleaned_data["field"], "value": value}
            messages.info(request, _("This look has been recorded on the resident's card."))
    context = {
        "resident": resident,
        "tags": ResidentTag.objects.filter(resident=resident)
        .select_related("tag")
        .order_by("-starts_on"),
        "events": resident.events.select_related("from_household", "to_household").order_by(
            "-on", "-id"
        ),
        "reveals": Reveal.objects.filter(resident=resident).select_related("user")[:20],
        "form": form,
        "revealed": revealed,
    }
    return render(request, "registry/resident_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request):
    """Upload of a ledger file into one of the user's areas: a preview first (a dry-run
    job), then the import when the user confirms on the job's page."""
    codes = scope.scope_codes(request.user)
    roots = (
        Area.objects.filter(parent__isnull=True)
        if codes is None
        else Area.objects.filter(code__in=codes)
    )
    roots = list(roots.order_by("code"))
    if not roots:
        raise PermissionDenied(_("Your posts give you no area to import into."))
    form = LedgerImportForm(request.POST or None, request.FILES or None, areas=roots)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            form.add_error("file", _("The file is larger than 20 MB."))
            return render(request, "registry/ledger_import.html", {"form": form})
        try:
            job = start_import(
                actor=request.user,
                kind="ledger",
                filename=upload.name,
                data=upload.read(),
                area_code=form.cleaned_data["area"],
                dry_run=True,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return redirect("core:import-detail", job_id=job.pk)
    return render(request, "registry/ledger_import.html", {"form": form})


@login_required
def ledger_template(request):
    """The empty workbook to fill in for an import."""
    response = HttpResponse(import_template(), content_type=EXPORT_TYPES["xlsx"])
    response["Content-Disposition"] = 'attachment; filename="ledger-template.xlsx"'
    return response
