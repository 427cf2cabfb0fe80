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
# Households offered to choose from when the text typed matches several.
MATCHES_SHOWN = 20
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


class CountForm(forms.Form):
    """The stock counted again (a stocktake), from the store's page: the stock becomes
    the count; the box must be ticked to confirm."""

    uuid = forms.CharField(required=False, widget=forms.HiddenInput)
    good_id = forms.ChoiceField(label=gettext_lazy("kind of goods"))
    counted = forms.IntegerField(
        label=gettext_lazy("stock counted"),
        min_value=0,
        max_value=services.QUANTITY_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=gettext_lazy("reason for the difference"), max_length=services.NOTE_MAX
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I counted it: the stock becomes this number."),
        error_messages={
            "required": gettext_lazy("Tick the box to confirm that the stock becomes the count.")
        },
    )

    def __init__(self, *args, goods=(), **kwargs):
        super().__init__(*args, prefix="count", **kwargs)
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
    household = forms.CharField(
        label=gettext_lazy("to household"),
        max_length=services.LINE_MAX,
        required=False,
        help_text=gettext_lazy("The household number, the door number or the address."),
    )
    household_id = forms.ChoiceField(
        label=gettext_lazy("Which household?"), required=False, widget=forms.RadioSelect
    )
    to_store_id = forms.ChoiceField(label=gettext_lazy("to store"), required=False)
    to_place = forms.CharField(
        label=gettext_lazy("to place"), max_length=services.LINE_MAX, required=False
    )
    receiver_name = forms.CharField(
        label=gettext_lazy("received by"), max_length=services.RECEIVER_MAX, required=False
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=gettext_lazy("note"), max_length=services.NOTE_MAX, required=False)

    def __init__(self, *args, stock=(), find_households=None, stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["good_id"].choices = [("", "—")] + [
            (str(row.good_id), f"{row.good.name}（{row.quantity} {row.good.unit}）")
            for row in stock
        ]
        # The household is looked up by what was typed; when several match, they are
        # offered to choose from (the choice checked to be one of them).
        text = (self.data.get("household") or "").strip() if self.is_bound else ""
        self.matches = list(find_households(text)) if text and find_households else []
        self.fields["household_id"].choices = [
            (str(h.pk), " ".join(p for p in (h.number, h.door_number, h.address) if p))
            for h in self.matches[:MATCHES_SHOWN]
        ]
        self.fields["to_store_id"].choices = [("", "—")] + [(str(s.pk), s.name) for s in stores]

    def clean(self):
        data = super().clean()
        text = (data.get("household") or "").strip()
        picked = data.get("household_id") or ""
        data["household_id"] = ""
        if not text:
            return data
        if picked:
            data["household_id"] = picked
        elif len(self.matches) == 1:
            data["household_id"] = str(self.matches[0].pk)
        elif not self.matches:
            self.add_error(
                "household",
                _("No active household of this area matches “%(text)s”: check the number.")
                % {"text": text},
            )
        else:
            self.add_error(
                "household",
                _("Several households match “%(text)s”: choose one below, or type more.")
                % {"text": text},
            )
        return data

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
def store_detail(request, store_id: int, count_form=None):
    store = _store(request, store_id)
    stock = Stock.objects.filter(store=store).select_related("good").order_by("good__name")
    moves = list(selectors.store_moves(request.user, store)[:MOVES_SHOWN])
    may_handle = access.can_handle_store(request.user, store)
    if may_handle and count_form is None:
        count_form = CountForm(
            goods=Good.objects.order_by("category", "name"),
            initial={"uuid": str(uuid.uuid4())},
        )
    return render(
        request,
        "duty/store_detail.html",
        {
            "store": store,
            "stock": stock,
            "moves": moves,
            "may_handle": may_handle,
            "count_form": count_form if may_handle else None,
        },
        status=400 if count_form is not None and count_form.is_bound else 200,
    )


@login_required
@require_http_methods(["POST"])
def store_count(request, store_id: int):
    """The stock of a good counted again, from the store's page (its keeper or the admins
    over its area); the form shown again with its message when refused."""
    store = _store(request, store_id)
    _require_handler(request, store)
    form = CountForm(request.POST, goods=Good.objects.order_by("category", "name"))
    if form.is_valid():
        data = form.cleaned_data
        try:
            move, _created = services.count_stock(
                actor=request.user,
                store_id=store.pk,
                good_id=data["good_id"],
                counted=data["counted"],
                note=data["note"],
                uuid=data["uuid"] or None,
            )
        except ValidationError as exc:
            add_service_error(form, exc, {"good": "good_id"})
        else:
            messages.success(
                request,
                _("Counted: %(good)s now %(counted)d %(unit)s.")
                % {"good": move.good.name, "counted": move.counted, "unit": move.good.unit},
            )
            return redirect("duty:store", store.pk)
    return store_detail(request, store.pk, count_form=form)


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


def _find_households(user, store):
    """The lookup of the households a hand-out may go to, by the text typed: active, of
    the store's area (or seen by the user, as the service allows); the household number
    or door number exactly, else a part of the number, door number or address. The
    service's check of the household stays the judge."""
    from yiwang.registry.models import Household, HouseholdStatus

    rows = Household.objects.filter(status=HouseholdStatus.ACTIVE).filter(
        subtree_q("area_code", store.area_code)
        | Q(pk__in=Household.objects.visible_to(user).values("pk"))
    )

    def find(text: str):
        text = text[: services.LINE_MAX]
        ordered = ("area_code", "number", "pk")
        exact = rows.filter(Q(number=text) | Q(door_number=text)).order_by(*ordered)
        found = list(exact[: MATCHES_SHOWN + 1])
        if found:
            return found
        near = Q(number__icontains=text) | Q(door_number__icontains=text)
        near |= Q(address__icontains=text)
        return list(rows.filter(near).order_by(*ordered)[: MATCHES_SHOWN + 1])

    return find


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
        find_households=_find_households(request.user, store),
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
                {"to_store": "to_store_id", "good": "good_id"},
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
    path("duty/stores/<int:store_id>/count/", store_count, name="store-count"),
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
