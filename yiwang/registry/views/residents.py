"""Residents: the card (with revealing a number), added to a household, corrected, their
tags."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_in_scope
from yiwang.registry import services
from yiwang.registry.forms import ResidentAddForm, ResidentEditForm, ResidentTagsForm, RevealForm
from yiwang.registry.models import (
    HouseholdStatus,
    Relation,
    Resident,
    ResidentStatus,
    ResidentTag,
    Reveal,
)
from yiwang.registry.views.households import _household_or_404


@login_required
@require_http_methods(["GET", "POST"])
def resident_detail(request, resident_id: int):
    resident = get_in_scope(
        Resident.objects.select_related("household"), request.user, pk=resident_id
    )
    # The phone to anyone of the resident's scope (to call them), the ID number with the
    # permission. "Call" on a household's page opens the card with the phone chosen: the
    # number is revealed (and the look recorded) before it becomes a tel: link.
    fields = [f for f in ("id_number", "phone") if services.may_reveal(request.user, f)]
    initial = {"field": "phone"} if request.GET.get("field") == "phone" else None
    form = RevealForm(request.POST or None, initial=initial, fields=fields) if fields else None
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
        "is_living": resident.status == ResidentStatus.LIVING,
        "is_deceased": resident.status == ResidentStatus.DECEASED,
        "is_head": resident.relation == Relation.HEAD,
    }
    return render(request, "registry/resident_detail.html", context)


def _resident_or_404(request, resident_id: int) -> Resident:
    return get_in_scope(
        Resident.objects.select_related("household__unit"), request.user, pk=resident_id
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_add(request, household_id: int):
    household = _household_or_404(request, household_id)
    has_head = household.residents.filter(
        relation=Relation.HEAD, status=ResidentStatus.LIVING
    ).exists()
    form = ResidentAddForm(
        request.POST or None, initial={"relation": Relation.CHILD if has_head else Relation.HEAD}
    )
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.add_resident(
                actor=request.user, household_id=household.pk, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"household": None})
        else:
            messages.success(
                request,
                _("%(name)s was added to household %(number)s.")
                % {"name": resident.name, "number": household.number},
            )
            return redirect("registry:household", household_id=household.pk)
    return render(
        request,
        "registry/resident_add.html",
        {
            "form": form,
            "household": household,
            "is_active": household.status == HouseholdStatus.ACTIVE,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_edit(request, resident_id: int):
    resident = _resident_or_404(request, resident_id)
    form = ResidentEditForm(resident, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_resident(
                actor=request.user, resident_id=resident.pk, **form.service_values()
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The resident's details were saved."))
            return redirect("registry:resident", resident_id=resident.pk)
    return render(request, "registry/resident_edit.html", {"form": form, "resident": resident})


@login_required
@require_http_methods(["GET", "POST"])
def resident_tags(request, resident_id: int):
    resident = _resident_or_404(request, resident_id)
    current = ResidentTag.objects.current().filter(resident=resident).select_related("tag")
    form = ResidentTagsForm(request.POST or None, current=[rt.tag.code for rt in current])
    if request.method == "POST" and form.is_valid():
        try:
            services.set_tags(
                actor=request.user,
                resident_id=resident.pk,
                tags=form.cleaned_data["tags"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The resident's tags were saved."))
            return redirect("registry:resident", resident_id=resident.pk)
    context = {
        "form": form,
        "resident": resident,
        "retired": [rt for rt in current if not rt.tag.is_active],
    }
    return render(request, "registry/resident_tags.html", context)
