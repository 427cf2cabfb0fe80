"""Pages of outreach: enterprises (list, card, form, deactivation, import)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.areas import picker
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_in_scope
from yiwang.core.views import preview_upload
from yiwang.outreach import importers  # noqa: F401  (registers the "enterprises" import)
from yiwang.outreach.filters import EnterpriseFilterSet
from yiwang.outreach.forms import EnterpriseForm, EnterpriseImportForm
from yiwang.outreach.models import Enterprise
from yiwang.outreach.services import enterprises as services
from yiwang.outreach.services.pairings import can_pair

PAGE_SIZE = 50


@login_required
def enterprise_list(request):
    queryset = Enterprise.objects.visible_to(request.user)
    filterset = EnterpriseFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "outreach/enterprise_list.html", {"filterset": filterset, "page_obj": page}
    )


def _enterprise_or_404(request, enterprise_id: int) -> Enterprise:
    return get_in_scope(Enterprise.objects.select_related("area"), request.user, pk=enterprise_id)


@login_required
def enterprise_detail(request, enterprise_id: int):
    enterprise = _enterprise_or_404(request, enterprise_id)
    pairings = enterprise.pairings.select_related("programme", "sponsor").order_by(
        "-starts_on", "-id"
    )
    context = {
        "enterprise": enterprise,
        "pairings": pairings,
        "can_pair": enterprise.is_active and can_pair(request.user, enterprise.area_code),
    }
    return render(request, "outreach/enterprise_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create(request):
    form = EnterpriseForm(request.POST or None, initial={"area_code": request.GET.get("area", "")})
    picker.limit_to(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.create_enterprise(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"area": "area_code"})
        else:
            messages.success(
                request, _("The enterprise %(name)s was registered.") % {"name": enterprise}
            )
            return redirect("outreach:enterprise-detail", enterprise_id=enterprise.pk)
    return render(request, "outreach/enterprise_form.html", {"form": form, "enterprise": None})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit(request, enterprise_id: int):
    enterprise = _enterprise_or_404(request, enterprise_id)
    initial = {
        field: getattr(enterprise, field)
        for field in ("name", "credit_code", "area_code", "industry", "address", "contact_name")
    }
    # The phone is personal data: shown masked, and kept unless a new one is typed.
    form = EnterpriseForm(request.POST or None, initial=initial)
    picker.limit_to(form, request.user)
    form.fields["contact_phone"].help_text = _("Now %(phone)s; leave empty to keep it.") % {
        "phone": enterprise.masked_contact_phone or "—"
    }
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        if not values["contact_phone"]:
            values.pop("contact_phone")
        try:
            services.update_enterprise(actor=request.user, enterprise_id=enterprise.pk, **values)
        except ValidationError as exc:
            add_service_error(form, exc, {"area": "area_code"})
        else:
            messages.success(request, _("The enterprise was saved."))
            return redirect("outreach:enterprise-detail", enterprise_id=enterprise.pk)
    context = {"form": form, "enterprise": enterprise}
    return render(request, "outreach/enterprise_form.html", context)


@login_required
@require_POST
def enterprise_active(request, enterprise_id: int):
    enterprise = _enterprise_or_404(request, enterprise_id)
    active = request.POST.get("is_active") == "1"
    services.set_enterprise_active(
        actor=request.user, enterprise_id=enterprise.pk, is_active=active
    )
    messages.success(
        request,
        _("The enterprise is active again.") if active else _("The enterprise was deactivated."),
    )
    return redirect("outreach:enterprise-detail", enterprise_id=enterprise.pk)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request):
    """Upload a file: it is checked first (a preview), then imported from the import's page."""
    form = EnterpriseImportForm(request.user, request.POST or None, request.FILES or None)
    if response := preview_upload(request, form, "enterprises"):
        return response
    context = {"form": form, "headers": importers.HEADERS, "required": importers.REQUIRED}
    return render(request, "outreach/enterprise_import.html", context)


urlpatterns = [
    path("outreach/enterprises/", enterprise_list, name="enterprises"),
    path("outreach/enterprises/new/", enterprise_create, name="enterprise-create"),
    path("outreach/enterprises/import/", enterprise_import, name="enterprise-import"),
    path("outreach/enterprises/<int:enterprise_id>/", enterprise_detail, name="enterprise-detail"),
    path("outreach/enterprises/<int:enterprise_id>/edit/", enterprise_edit, name="enterprise-edit"),
    path(
        "outreach/enterprises/<int:enterprise_id>/active/",
        enterprise_active,
        name="enterprise-active",
    ),
]
