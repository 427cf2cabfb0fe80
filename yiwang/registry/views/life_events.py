"""A resident's life events: moving out, death, a transfer to another household, becoming
head."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, Subquery
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yiwang.core import validators
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import is_area_code
from yiwang.registry import services
from yiwang.registry.forms import LeaveForm, MakeHeadForm, TransferForm
from yiwang.registry.models import Household, HouseholdStatus, Relation, Resident, ResidentStatus
from yiwang.registry.views.residents import _resident_or_404

# Both ways of leaving are irreversible, so GET shows what will happen and asks, and POST
# does it.
LEAVE_SERVICES = {"move_out": services.move_out, "death": services.record_death}


def _leave_page(request, resident_id: int, kind: str):
    resident = _resident_or_404(request, resident_id)
    service = LEAVE_SERVICES[kind]
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, resident_id=resident.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"on": "on", "status": None})
        else:
            if kind == "death":
                done = _("The death of %(name)s was recorded.")
            else:
                done = _("%(name)s was recorded as moved out.")
            messages.success(request, done % {"name": resident.name})
            return redirect("registry:resident", resident_id=resident.pk)
    household = resident.household
    is_head = resident.relation == Relation.HEAD
    others = household.residents.filter(status=ResidentStatus.LIVING).exclude(pk=resident.pk)
    context = {
        "form": form,
        "resident": resident,
        "kind": kind,
        "is_living": resident.status == ResidentStatus.LIVING,
        "is_head": is_head,
        "last_member": not others.exists(),
    }
    return render(request, "registry/resident_leave.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def resident_move_out(request, resident_id: int):
    return _leave_page(request, resident_id, "move_out")


@login_required
@require_http_methods(["GET", "POST"])
def resident_death(request, resident_id: int):
    return _leave_page(request, resident_id, "death")


TRANSFER_HITS = 20


def _find_households(user, text: str, exclude: int):
    """Active households of the user's scope that `text` finds: a unit or village code,
    a household number, part of the address, or (part of) the head's name."""
    text = validators.normalize_text(text)
    if not text:
        return []
    heads = Resident.objects.filter(
        household=OuterRef("pk"), relation=Relation.HEAD, status=ResidentStatus.LIVING
    )
    queryset = (
        Household.objects.visible_to(user)
        .filter(status=HouseholdStatus.ACTIVE)
        .exclude(pk=exclude)
        .select_related("unit")
        .annotate(head_name=Subquery(heads.values("name")[:1]))
    )
    if is_area_code(text) and len(text) >= 12:
        queryset = queryset.under(text)
    else:
        queryset = queryset.filter(
            Q(number=text) | Q(address__contains=text) | Exists(heads.filter(name__contains=text))
        )
    return list(queryset.order_by("area_code", "number")[:TRANSFER_HITS])


@login_required
@require_http_methods(["GET", "POST"])
def resident_transfer(request, resident_id: int):
    """Two steps, the move is irreversible: the household the resident moves to (found in
    the scope), then a review of what will happen, which the user confirms."""
    resident = _resident_or_404(request, resident_id)
    initial = {"unit_code": request.GET.get("unit", ""), "number": request.GET.get("number", "")}
    form = TransferForm(request.user, resident, request.POST or None, initial=initial)
    review = False
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["confirm"]:
            review = True
        else:
            try:
                services.transfer(
                    actor=request.user,
                    resident_id=resident.pk,
                    to_household_id=form.target.pk,
                    relation=form.cleaned_data["relation"],
                    on=form.cleaned_data["on"],
                )
            except ValidationError as exc:
                add_service_error(form, exc, {"household": "number", "status": None})
            else:
                messages.success(
                    request,
                    _("%(name)s moved to household %(number)s.")
                    % {"name": resident.name, "number": form.target.number},
                )
                return redirect("registry:resident", resident_id=resident.pk)
    query = request.GET.get("q", "")
    context = {
        "form": form,
        "resident": resident,
        "review": review,
        "target": form.target,
        "query": query,
        "hits": _find_households(request.user, query, exclude=resident.household_id),
        "is_deceased": resident.status == ResidentStatus.DECEASED,
    }
    return render(request, "registry/resident_transfer.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def resident_make_head(request, resident_id: int):
    resident = _resident_or_404(request, resident_id)
    household = resident.household
    form = MakeHeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_head(
                actor=request.user,
                household_id=household.pk,
                new_head_id=resident.pk,
                former_head_relation=form.cleaned_data["former_head_relation"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"new_head": None})
        else:
            messages.success(
                request,
                _("%(name)s is now the head of household %(number)s.")
                % {"name": resident.name, "number": household.number},
            )
            return redirect("registry:household", household_id=household.pk)
    context = {
        "form": form,
        "resident": resident,
        "head": household.head,
        "can_become_head": resident.status == ResidentStatus.LIVING
        and resident.relation != Relation.HEAD,
    }
    return render(request, "registry/resident_make_head.html", context)
