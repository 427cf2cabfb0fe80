"""Pages of the alliances (联合社) of a town's cooperatives: an alliance with its
cooperatives' figures and their total, and the keepers' forms: a new alliance (the
county's or the town's admins), a new name, and the alliance a cooperative is in (those
who keep the cooperative). Every write goes through yiwang.coops.services.alliances; every
read through yiwang.coops.access."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from yiwang.coops import access
from yiwang.coops.forms.alliances import AllianceForm, AllianceNameForm, CoopAllianceForm
from yiwang.coops.models import Alliance
from yiwang.coops.selectors import alliances as selectors
from yiwang.coops.services import alliances as services
from yiwang.coops.views.common import cooperative_for, require_keeper
from yiwang.core import display, menus
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_or_404


def _alliance(request, alliance_id: int) -> Alliance:
    return get_or_404(access.visible_alliances(request.user), pk=alliance_id)


def _require_keeper(user, alliance: Alliance) -> None:
    if not access.can_keep_alliance(user, alliance.area_code):
        raise PermissionDenied(
            _("Only the county's or the town's admins keep the town's alliance.")
        )


def _town_name(code: str) -> str:
    names = display.area_names([code])
    return names[code].name if code in names else code


@login_required
@require_http_methods(["GET"])
def alliance(request, alliance_id: int):
    found = _alliance(request, alliance_id)
    return render(
        request,
        "coops/alliance_detail.html",
        {
            "alliance": found,
            "town_name": _town_name(found.area_code),
            "figures": selectors.alliance_figures(request.user, found),
            "may_keep": access.can_keep_alliance(request.user, found.area_code),
            # A board member without a post reads the alliance but not the roll-up.
            "sees_rollup": access.sees_cooperatives(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def alliance_create(request):
    user = request.user
    if not access.keeps_alliances(user):
        raise PermissionDenied(
            _("Only the county's or the town's admins keep the town's alliance.")
        )
    data = request.POST if request.method == "POST" else None
    initial = {"area_code": request.GET["town"]} if request.GET.get("town") else {}
    form = AllianceForm(data, user=user, initial=initial)
    if data is not None and form.is_valid():
        try:
            created = services.create_alliance(
                actor=user,
                area_code=form.cleaned_data["area_code"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        except (PermissionDenied, Http404) as exc:
            form.add_error("area_code", str(exc) or _("Choose a town of your areas."))
        else:
            messages.success(
                request, _("The alliance %(name)s was created.") % {"name": created.name}
            )
            return redirect("coops:alliance", created.pk)
    return render(
        request,
        "coops/alliance_form.html",
        {"form": form},
        status=400 if data is not None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def alliance_rename(request, alliance_id: int):
    found = _alliance(request, alliance_id)
    _require_keeper(request.user, found)
    data = request.POST if request.method == "POST" else None
    form = AllianceNameForm(data, initial={"name": found.name})
    if data is not None and form.is_valid():
        try:
            renamed = services.rename_alliance(
                actor=request.user, alliance_id=found.pk, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The alliance is now named %(name)s.") % {"name": renamed.name}
            )
            return redirect("coops:alliance", found.pk)
    return render(
        request,
        "coops/alliance_rename.html",
        {"alliance": found, "form": form, "town_name": _town_name(found.area_code)},
        status=400 if data is not None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cooperative_alliance(request, cooperative_id: int):
    coop = cooperative_for(request, cooperative_id)
    require_keeper(request.user, coop)
    data = request.POST if request.method == "POST" else None
    form = CoopAllianceForm(data, cooperative=coop, initial={"alliance": coop.alliance_id})
    if data is not None and form.is_valid():
        try:
            changed = services.set_alliance(
                actor=request.user,
                cooperative_id=coop.pk,
                alliance_id=form.cleaned_data["alliance"],
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"alliance_id": "alliance"})
        else:
            messages.success(
                request,
                _("%(coop)s is now in the alliance %(name)s.")
                % {"coop": changed.name, "name": changed.alliance.name}
                if changed.alliance
                else _("%(coop)s is in no alliance now.") % {"coop": changed.name},
            )
            return redirect("coops:coop", coop.pk)
    return render(
        request,
        "coops/alliance_coop.html",
        {"coop": coop, "form": form},
        status=400 if data is not None else 200,
    )


urlpatterns = [
    path("coops/alliances/new/", alliance_create, name="alliance-new"),
    path("coops/alliances/<int:alliance_id>/", alliance, name="alliance"),
    path("coops/alliances/<int:alliance_id>/rename/", alliance_rename, name="alliance-rename"),
    path("coops/<int:cooperative_id>/alliance/", cooperative_alliance, name="coop-alliance"),
]


def register() -> None:
    menus.register(
        menus.MenuItem(
            key="coops.alliance_new",
            label=gettext_lazy("New alliance"),
            url_name="coops:alliance-new",
            section="coops",
            order=95,
            visible=access.keeps_alliances,
        ),
    )
