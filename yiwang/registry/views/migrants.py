"""Migrants: the register, a migrant registered, a migrant recorded as left."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.core import validators
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_in_scope
from yiwang.registry import services
from yiwang.registry.filters import MigrantFilterSet
from yiwang.registry.forms import MigrantForm, MigrantLeftForm
from yiwang.registry.models import Migrant
from yiwang.registry.views.households import _household_or_404, _unit_hints
from yiwang.registry.views.ledger import PAGE_SIZE


@login_required
def migrant_list(request):
    queryset = (
        Migrant.objects.visible_to(request.user)
        .select_related("host_household")
        .order_by("-arrived_on", "-id")
    )
    filterset = MigrantFilterSet(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/migrant_list.html",
        {"filterset": filterset, "page_obj": page, "today": timezone.localdate()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def migrant_create(request):
    initial = {"unit_code": request.GET.get("unit", "")}
    host_id = request.GET.get("household", "")
    if validators.read_id(host_id) is not None:
        host = _household_or_404(request, validators.read_id(host_id))
        initial.update(unit_code=host.area_code, host_number=host.number)
    form = MigrantForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.register_migrant(
                actor=request.user,
                name=data["name"],
                origin=data["origin"],
                arrived_on=data["arrived_on"],
                unit_code=data["unit_code"],
                host_household_id=form.host.pk if form.host else None,
                address=data["address"],
                id_number=data["id_number"],
                phone=data["phone"],
                expected_until=data["expected_until"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"host_household": "host_number"})
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": data["name"]})
            return redirect("registry:migrants")
    return render(
        request,
        "registry/migrant_form.html",
        {"form": form, "units": _unit_hints(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def migrant_left(request, migrant_id: int):
    migrant = get_in_scope(
        Migrant.objects.select_related("host_household"), request.user, pk=migrant_id
    )
    form = MigrantLeftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.migrant_left(
                actor=request.user, migrant_id=migrant.pk, on=form.cleaned_data["left_on"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s is recorded as left.") % {"name": migrant.name})
            return redirect("registry:migrants")
    return render(request, "registry/migrant_left.html", {"form": form, "migrant": migrant})
