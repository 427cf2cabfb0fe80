"""Pages of supplies: the stores with their stock, by area; a store's moves; the form to
receive goods; the hand-out form for the phone, with the receiver's signature drawn on a
canvas (duty/signature.js posts it as a PNG data URL); where a kind of goods went; the
forms to open a store and add a kind of goods; a move's signature (scoped)."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from yiwang.core import audit, menus, storage
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_or_404, subtree_q
from yiwang.duty import access
from yiwang.duty.models import Good, Stock, StoreKind
from yiwang.duty.selectors import supplies as selectors
from yiwang.duty.services import supplies as services

CHOICES_SHOWN = 500
MOVES_SHOWN = 200


# --- forms ------------------------------------------------------------------------------


class StoreForm(forms.Form):
    area_code = forms.ChoiceField(label=gettext_lazy("area"))
    name = forms.CharField(label=gettext_lazy("name"), max_length=services.NAME_MAX)
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=StoreKind.choices)
    address = forms.CharField(
        label=gettext_lazy("address"), max_length=services.ADDRESS_MAX, required=False
    )
    keeper_id = forms.ChoiceField(label=gettext_lazy("keeper"), required=False)

    def __init__(self, *args, areas=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = [(a.code, a.name) for a in areas]
        self.fields["keeper_id"].choices = [("", "—")] + [(str(p.pk), str(p)) for p in people]


class GoodForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=services.GOOD_NAME_MAX)
    unit = forms.CharField(
        label=gettext_lazy("unit of count"),
        max_length=services.UNIT_MAX,
        help_text=gettext_lazy("How it is counted: 箱, 袋, 剂 …"),
    )
    category = forms.CharField(
        label=gettext_lazy("category"), max_length=services.CATEGORY_MAX, required=False
    )


class ReceiveForm(forms.Form):
    uuid = forms.CharField(required=False, widget=forms.HiddenInput)
    good_id = forms.ChoiceField(label=gettext_lazy("kind of goods"))
    quantity = forms.IntegerField(
        label=gettext_lazy("quantity"),
        min_value=1,
        max_value=services.QUANTITY_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    source = forms.CharField(
        label=gettext_lazy("source"), max_length=services.LINE_MAX, required=False
    )
    note = forms.CharField(label=gettext_lazy("note"), max_length=services.NOTE_MAX, required=False)

    def __init__(self, *args, goods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["good_id"].choices = [("", "—")] + [
            (str(g.pk), f"{g.name}（{g.unit}）") for g in goods
        ]


class HandOutForm(forms.Form):
    uuid = forms.CharField(required=False, widget=forms.HiddenInput)
    good_id = forms.ChoiceField(label=gettext_lazy("kind of goods"))
    quantity = forms.IntegerField(
        label=gettext_lazy("quantity"),
        min_value=1,
        max_value=services.QUANTITY_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    household_id = forms.ChoiceField(label=gettext_lazy("to household"), required=False)
    to_store_id = forms.ChoiceField(label=gettext_lazy("to store"), required=False)
    to_place = forms.CharField(
        label=gettext_lazy("to place"), max_length=services.LINE_MAX, required=False
    )
    receiver_name = forms.CharField(
        label=gettext_lazy("received by"), max_length=services.RECEIVER_MAX, required=False
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=gettext_lazy("note"), max_length=services.NOTE_MAX, required=False)

    def __init__(self, *args, stock=(), households=(), stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["good_id"].choices = [("", "—")] + [
            (str(row.good_id), f"{row.good.name}（{row.quantity} {row.good.unit}）")
            for row in stock
        ]
        self.fields["household_id"].choices = [("", "—")] + [
            (str(h.pk), f"{h.number} {h.address}".strip()) for h in households
        ]
        self.fields["to_store_id"].choices = [("", "—")] + [(str(s.pk), s.name) for s in stores]

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "good_id": data["good_id"],
            "quantity": data["quantity"],
            "household_id": data["household_id"] or None,
            "to_store_id": data["to_store_id"] or None,
            "to_place": data["to_place"],
            "receiver_name": data["receiver_name"],
            "signature": data["signature"] or None,
            "note": data["note"],
            "uuid": data["uuid"] or None,
        }


# --- pages ------------------------------------------------------------------------------


@login_required
def store_list(request):
    area = request.GET.get("area") or None
    groups = selectors.stock_by_store(request.user, area)
    return render(
        request,
        "duty/stores.html",
        {
            "groups": groups,
            "stores": [s for g in groups for s in g["stores"]],
            "may_create": access.keeps_somewhere(request.user),
        },
    )


def _keepable_areas(user):
    from yiwang.areas.models import Area

    rows = (
        Area.objects.visible_to(user)
        .open()
        .filter(level__in=services.STORE_LEVELS)
        .order_by("code")
        .only("code", "name", "level")
    )
    return [a for a in rows[: CHOICES_SHOWN * 2] if access.can_keep(user, a.code)][:CHOICES_SHOWN]


@login_required
@require_http_methods(["GET", "POST"])
def store_create(request):
    from yiwang.accounts.models import User

    if not access.keeps_somewhere(request.user):
        raise PermissionDenied(_("Only an admin of an area opens a store there."))
    people = (
        User.objects.visible_to(request.user)
        .filter(is_active=True)
        .order_by("full_name", "username", "pk")[:CHOICES_SHOWN]
    )
    form = StoreForm(
        request.POST if request.method == "POST" else None,
        areas=_keepable_areas(request.user),
        people=people,
    )
    if request.method == "POST" and form.is_valid():
        try:
            store = services.create_store(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc, {"keeper": "keeper_id"})
        else:
            messages.success(request, _("The store %(name)s was opened.") % {"name": store.name})
            return redirect("duty:store", store.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "duty/store_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def good_create(request):
    if not access.keeps_somewhere(request.user):
        raise PermissionDenied(_("Only an admin of an area adds a kind of goods."))
    form = GoodForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            good = services.create_good(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The goods %(name)s were added.") % {"name": good.name})
            return redirect("duty:stores")
    status = 400 if request.method == "POST" else 200
    return render(request, "duty/store_good_form.html", {"form": form}, status=status)


def _store(request, store_id):
    return get_or_404(selectors.visible_stores(request.user).select_related("keeper"), pk=store_id)


@login_required
def store_detail(request, store_id: int):
    store = _store(request, store_id)
    stock = Stock.objects.filter(store=store).select_related("good").order_by("good__name")
    moves = list(selectors.store_moves(request.user, store)[:MOVES_SHOWN])
    return render(
        request,
        "duty/store_detail.html",
        {
            "store": store,
            "stock": stock,
            "moves": moves,
            "may_handle": access.can_handle_store(request.user, store),
        },
    )


def _require_handler(request, store):
    if not access.can_handle_store(request.user, store):
        raise PermissionDenied(
            _("Only the store's keeper or an admin over its area moves its goods.")
        )


@login_required
@require_http_methods(["GET", "POST"])
def store_receive(request, store_id: int):
    store = _store(request, store_id)
    _require_handler(request, store)
    form = ReceiveForm(
        request.POST if request.method == "POST" else None,
        goods=Good.objects.order_by("category", "name"),
        initial={"uuid": str(uuid.uuid4())},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            move, _created = services.receive(
                actor=request.user,
                store_id=store.pk,
                good_id=data["good_id"],
                quantity=data["quantity"],
                source=data["source"],
                note=data["note"],
                uuid=data["uuid"] or None,
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"good": "good_id"})
        else:
            messages.success(
                request,
                _("Received %(quantity)d %(unit)s of %(good)s.")
                % {"quantity": move.quantity, "unit": move.good.unit, "good": move.good.name},
            )
            return redirect("duty:store", store.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "duty/store_receive.html", {"form": form, "store": store}, status=status)


def _households(user, store):
    """The households a hand-out may go to: those of the store's area and those the user
    sees, active (the first CHOICES_SHOWN)."""
    from yiwang.registry.models import Household, HouseholdStatus

    rows = Household.objects.filter(status=HouseholdStatus.ACTIVE).filter(
        subtree_q("area_code", store.area_code)
        | Q(pk__in=Household.objects.visible_to(user).values("pk"))
    )
    return rows.order_by("area_code", "number")[:CHOICES_SHOWN]


@login_required
@require_http_methods(["GET", "POST"])
def store_hand_out(request, store_id: int):
    store = _store(request, store_id)
    _require_handler(request, store)
    stock = Stock.objects.filter(store=store).select_related("good").order_by("good__name")
    others = (
        selectors.visible_stores(request.user)
        .filter(is_active=True)
        .exclude(pk=store.pk)
        .order_by("area_code", "name")[:CHOICES_SHOWN]
    )
    form = HandOutForm(
        request.POST if request.method == "POST" else None,
        stock=stock,
        households=_households(request.user, store),
        stores=others,
        initial={"uuid": str(uuid.uuid4())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            move, _created = services.hand_out(
                actor=request.user, store_id=store.pk, **form.service_values()
            )
        except ValidationError as exc:
            add_service_error(
                form,
                exc,
                {"household": "household_id", "to_store": "to_store_id", "good": "good_id"},
            )
        else:
            messages.success(
                request,
                _("Handed out %(quantity)d %(unit)s of %(good)s.")
                % {"quantity": move.quantity, "unit": move.good.unit, "good": move.good.name},
            )
            return redirect("duty:store", store.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "duty/handout_form.html", {"form": form, "store": store}, status=status)


@login_required
def good_detail(request, good_id: int):
    good = get_or_404(Good.objects.all(), pk=good_id)
    area = request.GET.get("area") or None
    rows = selectors.where_it_went(request.user, good.pk, area)
    return render(
        request,
        "duty/store_good_detail.html",
        {"good": good, "rows": rows, "total": sum(r["quantity"] for r in rows)},
    )


@login_required
def move_signature(request, stock_move_id: int):
    move = get_or_404(selectors.visible_moves(request.user), pk=stock_move_id)
    if not move.signature:
        raise Http404(_("Not found."))
    with storage.guarded():
        response = FileResponse(move.signature.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400"
    return response


urlpatterns = [
    path("duty/stores/", store_list, name="stores"),
    path("duty/stores/new/", store_create, name="store-create"),
    path("duty/stores/<int:store_id>/", store_detail, name="store"),
    path("duty/stores/<int:store_id>/receive/", store_receive, name="store-receive"),
    path("duty/stores/<int:store_id>/hand-out/", store_hand_out, name="store-hand-out"),
    path("duty/goods/new/", good_create, name="good-create"),
    path("duty/goods/<int:good_id>/", good_detail, name="good"),
    path(
        "duty/stock-moves/<int:stock_move_id>/signature.png",
        move_signature,
        name="move-signature",
    ),
]


def register() -> None:
    # The duty menu section is declared in views/__init__.py.
    menus.register(
        menus.MenuItem(
            key="duty.stores",
            label=gettext_lazy("Supplies"),
            url_name="duty:stores",
            section="duty",
            order=60,
        ),
    )
    audit.register_actions(
        {
            "duty_store.create": gettext_lazy("Open a store of supplies"),
            "duty_good.create": gettext_lazy("Add a kind of goods"),
            "duty_stock.receive": gettext_lazy("Receive goods into a store"),
            "duty_stock.hand_out": gettext_lazy("Hand out goods"),
            "duty_stock.transfer": gettext_lazy("Send goods to another store"),
            "duty_stock.count": gettext_lazy("Count a store's stock again"),
        }
    )
