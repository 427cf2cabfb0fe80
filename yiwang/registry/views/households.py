"""Households: the card, created, the address corrected, the category set by hand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.areas.models import Area, Level
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_in_scope
from yiwang.registry import services
from yiwang.registry.forms import HouseholdCategoryForm, HouseholdCreateForm, HouseholdEditForm
from yiwang.registry.models import Household, HouseholdStatus, LifeEvent
from yiwang.registry.selectors import with_current_tags


@login_required
def household_detail(request, household_id: int):
    household = _household_or_404(request, household_id)
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
    migrants = household.migrants.order_by("-arrived_on", "-id")
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "members": members,
            "events": events,
            "migrants": migrants,
            "is_active": household.status == HouseholdStatus.ACTIVE,
        },
    )


UNIT_HINTS = 200  # unit codes offered as suggestions under a unit-code field


def _household_or_404(request, household_id: int) -> Household:
    return get_in_scope(Household.objects.select_related("unit"), request.user, pk=household_id)


def _unit_hints(user):
    """The first units of the user's scope, suggested under a unit-code field."""
    return (
        Area.objects.visible_to(user)
        .open()
        .filter(level=Level.UNIT)
        .order_by("code")
        .only("code", "name")[:UNIT_HINTS]
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request):
    form = HouseholdCreateForm(
        request.user, request.POST or None, initial={"unit_code": request.GET.get("unit", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            household = services.create_household(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"unit": "unit_code"})
        else:
            messages.success(
                request,
                _("Household %(number)s was created: now add its head.")
                % {"number": household.number},
            )
            return redirect("registry:resident-add", household_id=household.pk)
    return render(
        request,
        "registry/household_form.html",
        {"form": form, "units": _unit_hints(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, household_id: int):
    household = _household_or_404(request, household_id)
    form = HouseholdEditForm(
        request.POST or None,
        initial={"address": household.address, "door_number": household.door_number},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_household(
                actor=request.user, household_id=household.pk, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The household's address was saved."))
            return redirect("registry:household", household_id=household.pk)
    return render(request, "registry/household_form.html", {"form": form, "household": household})


@login_required
@require_http_methods(["GET", "POST"])
def household_category(request, household_id: int):
    household = _household_or_404(request, household_id)
    form = HouseholdCategoryForm(
        request.POST or None,
        initial={"category": household.category_override, "reason": household.category_reason},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_household_category(
                actor=request.user,
                household_id=household.pk,
                category=form.cleaned_data["category"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"category_reason": "reason"})
        else:
            messages.success(request, _("The household's category was saved."))
            return redirect("registry:household", household_id=household.pk)
    return render(
        request, "registry/household_category.html", {"form": form, "household": household}
    )
