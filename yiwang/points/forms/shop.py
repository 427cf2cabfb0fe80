"""Forms of the points shop. They take what is typed; the services check it and say what
is wrong (their ValidationError goes back onto the form)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.areas.picker import AreaPicker
from yiwang.points.services import shop as services


class ShopCreateForm(forms.Form):
    village_code = forms.CharField(
        label=_("village"), max_length=18, widget=AreaPicker(levels=("village",))
    )
    name = forms.CharField(label=_("name"), max_length=services.NAME_MAX)


class ShopEditForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=services.NAME_MAX)
    keeper_ids = forms.MultipleChoiceField(
        label=_("shopkeepers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The people who redeem points at the counter."),
    )
    is_active = forms.BooleanField(label=_("open"), required=False)

    def __init__(self, *args, shop, **kwargs):
        initial = {
            "name": shop.name,
            "keeper_ids": [str(pk) for pk in shop.keepers.values_list("pk", flat=True)],
            "is_active": shop.is_active,
        }
        super().__init__(*args, initial=initial, **kwargs)
        people = {user.pk: user for user in services.keeper_choices(shop.area_code)}
        for user in shop.keepers.all():
            people.setdefault(user.pk, user)
        self.fields["keeper_ids"].choices = [
            (str(pk), user.full_name or user.username) for pk, user in people.items()
        ]


class GoodsForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=services.NAME_MAX)
    price = forms.CharField(
        label=_("price (points)"), max_length=20, help_text=_("Points for one, e.g. 20 or 2.5.")
    )
    is_active = forms.BooleanField(label=_("on sale"), required=False, initial=True)


class GoodsCreateForm(GoodsForm):
    stock = forms.CharField(label=_("stock"), max_length=9, required=False, initial="0")


class StockForm(forms.Form):
    RESTOCK, CORRECT = "restock", "correct"
    mode = forms.ChoiceField(
        label=_("change"),
        choices=[
            (RESTOCK, _("A delivery arrived: add it to the stock")),
            (CORRECT, _("Correct the stock as counted, with the reason")),
        ],
        widget=forms.RadioSelect,
        initial=RESTOCK,
    )
    quantity = forms.CharField(label=_("quantity arrived"), max_length=9, required=False)
    stock = forms.CharField(label=_("stock as counted"), max_length=9, required=False)
    reason = forms.CharField(label=_("reason"), max_length=services.REASON_MAX, required=False)


class RedeemForm(forms.Form):
    uuid = forms.CharField(widget=forms.HiddenInput)
    goods = forms.ChoiceField(label=_("goods"))
    quantity = forms.CharField(label=_("quantity"), max_length=4, initial="1")

    def __init__(self, *args, goods_rows=(), **kwargs):
        kwargs.setdefault("initial", {}).setdefault("uuid", str(uuid.uuid4()))
        super().__init__(*args, **kwargs)
        self.fields["goods"].choices = [("", _("Choose the goods"))] + [
            (
                str(row.pk),
                _("%(name)s · %(price)s points · %(stock)d left")
                % {"name": row.name, "price": services.points_text(row.price), "stock": row.stock},
            )
            for row in goods_rows
        ]
