"""Pages of the points shop (积分超市): the shops in scope, a shop with its goods, stock and
the month's redemptions; the shop's and the goods' settings (the village's grid chief or
cadres, a town or county admin above it); the redemption page for a shopkeeper's phone
(find the household, see its balance, pick goods and quantity, confirm, the receipt); a
household's points (balance, entries, redemptions).

Each page reads through the shop's scope (services.shop: a user's scope, the village it
lies in, the shops they keep; 404 outside it) and writes through one service; a service's
ValidationError goes back onto the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from yiwang.areas import picker
from yiwang.core.forms import add_service_error
from yiwang.core.scoping import get_or_404
from yiwang.core.validators import read_id
from yiwang.points.forms.shop import (
    GoodsCreateForm,
    GoodsForm,
    RedeemForm,
    ShopCreateForm,
    ShopEditForm,
    StockForm,
)
from yiwang.points.selectors import shop as selectors
from yiwang.points.services import shop as services
from yiwang.registry.models import Household
from yiwang.registry.selectors import head_names

REFUSED = gettext_lazy(
    "Only the village's grid chief or cadres, or a town or county admin above it, may "
    "change its shop and goods."
)


def _shop(request, shop_id: int):
    return get_or_404(services.shops_visible_to(request.user), pk=shop_id)


def _goods(request, goods_id: int):
    return get_or_404(services.goods_visible_to(request.user).select_related("shop"), pk=goods_id)


def _require_manager(request, shop) -> None:
    if not services.can_manage(request.user, shop):
        raise PermissionDenied(REFUSED)


@login_required
def shop_list(request):
    return render(
        request,
        "points/shop_list.html",
        {
            "rows": selectors.shop_rows(request.user),
            "may_open": services.may_manage_any(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shop_create(request):
    if not services.may_manage_any(request.user):
        raise PermissionDenied(REFUSED)
    form = ShopCreateForm(request.POST or None)
    picker.limit_to(form, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            shop = services.create_shop(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The shop %(name)s was opened: name its keepers.") % {"name": shop.name}
            )
            return redirect("points:shop-edit", shop.pk)
    return render(request, "points/shop_form.html", {"form": form, "shop": None})


@login_required
def shop_detail(request, shop_id: int):
    shop = _shop(request, shop_id)
    month = selectors.month_redemptions(request.user, shop)
    heads = head_names(r.household_id for r in month.rows)
    for row in month.rows:
        row.head = heads.get(row.household_id, "")
    return render(
        request,
        "points/shop_detail.html",
        {
            "shop": shop,
            "goods": selectors.goods_of(shop),
            "keepers": list(shop.keepers.order_by("full_name", "username")),
            "month": month,
            "month_start": selectors.month_start(),
            "may_manage": services.can_manage(request.user, shop),
            "may_redeem": shop.is_active and services.may_redeem_at(request.user, shop),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shop_edit(request, shop_id: int):
    shop = _shop(request, shop_id)
    _require_manager(request, shop)
    form = ShopEditForm(request.POST or None, shop=shop)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_shop(actor=request.user, shop_id=shop.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The shop %(name)s was saved.") % {"name": shop.name})
            return redirect("points:shop", shop.pk)
    return render(request, "points/shop_form.html", {"form": form, "shop": shop})


@login_required
@require_http_methods(["GET", "POST"])
def goods_create(request, shop_id: int):
    shop = _shop(request, shop_id)
    _require_manager(request, shop)
    form = GoodsCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            goods = services.add_goods(actor=request.user, shop_id=shop.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s was put on the shelf.") % {"name": goods.name})
            return redirect("points:shop", shop.pk)
    return render(request, "points/shop_goods_form.html", {"form": form, "shop": shop})


@login_required
@require_http_methods(["GET", "POST"])
def goods_edit(request, goods_id: int):
    goods = _goods(request, goods_id)
    _require_manager(request, goods.shop)
    form = GoodsForm(
        request.POST or None,
        initial={
            "name": goods.name,
            "price": services.points_text(goods.price),
            "is_active": goods.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_goods(actor=request.user, goods_id=goods.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": goods.name})
            return redirect("points:shop", goods.shop_id)
    return render(
        request,
        "points/shop_goods_form.html",
        {"form": form, "shop": goods.shop, "goods": goods},
    )


@login_required
@require_http_methods(["GET", "POST"])
def goods_stock(request, goods_id: int):
    goods = _goods(request, goods_id)
    _require_manager(request, goods.shop)
    form = StockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["mode"] == StockForm.CORRECT:
                services.correct_stock(
                    actor=request.user,
                    goods_id=goods.pk,
                    stock=data["stock"],
                    reason=data["reason"],
                )
            else:
                services.restock(actor=request.user, goods_id=goods.pk, quantity=data["quantity"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The stock of %(name)s was saved.") % {"name": goods.name})
            return redirect("points:shop", goods.shop_id)
    return render(request, "points/shop_stock_form.html", {"form": form, "goods": goods})


@login_required
@require_http_methods(["GET", "POST"])
def redeem(request, shop_id: int):
    """The shopkeeper's page: ?q= finds households of the village, ?household= picks one
    (its balance and the goods), the POST confirms; then the receipt."""
    shop = _shop(request, shop_id)
    if not services.may_redeem_at(request.user, shop):
        raise PermissionDenied(
            _(
                "Only a keeper of this shop, or someone who records points in its village, "
                "may redeem points here."
            )
        )
    query = request.GET.get("q", "").strip()
    household = None
    household_id = read_id(request.GET.get("household"))
    if household_id is not None:
        household = get_or_404(
            services.households_reachable(request.user, Household.objects.under(shop.area_code)),
            pk=household_id,
        )
    goods_rows = list(selectors.goods_of(shop, on_sale_only=True).filter(stock__gt=0))
    form = None
    if household is not None:
        form = RedeemForm(request.POST or None, goods_rows=goods_rows)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                redemption, _created = services.redeem(
                    request.user,
                    uuid=data["uuid"],
                    household=household.pk,
                    goods=data["goods"],
                    quantity=data["quantity"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                return redirect("points:redemption", redemption.pk)
    elif request.method == "POST":
        return redirect("points:redeem", shop.pk)
    return render(
        request,
        "points/shop_redeem.html",
        {
            "shop": shop,
            "query": query,
            "hits": selectors.find_households(request.user, shop, query) if query else [],
            "household": household,
            "head": head_names([household.pk]).get(household.pk, "") if household else "",
            "balance": selectors.balances_of([household.pk]).get(household.pk, 0)
            if household
            else None,
            "form": form,
            "goods_rows": goods_rows,
        },
    )


@login_required
def redemption_detail(request, redemption_id: int):
    """The receipt of a redemption."""
    redemption = get_or_404(
        services.redemptions_visible_to(request.user).select_related(
            "goods__shop", "household", "redeemed_by"
        ),
        pk=redemption_id,
    )
    household = redemption.household
    return render(
        request,
        "points/shop_receipt.html",
        {
            "redemption": redemption,
            "shop": redemption.goods.shop,
            "head": head_names([household.pk]).get(household.pk, ""),
            "balance": selectors.balances_of([household.pk]).get(household.pk, 0),
            "household_visible": services.households_reachable(request.user)
            .filter(pk=household.pk)
            .exists(),
        },
    )


@login_required
def household_points(request, household_id: int):
    """A household's points: its balance, its approved and pending entries, its
    redemptions."""
    household = get_or_404(services.households_reachable(request.user), pk=household_id)
    found = selectors.household_points(household)
    shop = selectors.village_shop(request.user, household)
    return render(
        request,
        "points/shop_household.html",
        {
            "points": found,
            "household": household,
            "shop": shop,
            "may_redeem": shop is not None and services.may_redeem_at(request.user, shop),
        },
    )


urlpatterns = [
    path("points/shop/", shop_list, name="shops"),
    path("points/shop/new/", shop_create, name="shop-create"),
    path("points/shop/<int:shop_id>/", shop_detail, name="shop"),
    path("points/shop/<int:shop_id>/edit/", shop_edit, name="shop-edit"),
    path("points/shop/<int:shop_id>/goods/new/", goods_create, name="goods-create"),
    path("points/shop/<int:shop_id>/redeem/", redeem, name="redeem"),
    path("points/shop/goods/<int:goods_id>/edit/", goods_edit, name="goods-edit"),
    path("points/shop/goods/<int:goods_id>/stock/", goods_stock, name="goods-stock"),
    path("points/shop/redemptions/<int:redemption_id>/", redemption_detail, name="redemption"),
    path("points/households/<int:household_id>/", household_points, name="household-points"),
]


def register() -> None:
    """The menu item of the shop, and the audit's labels of its actions."""
    from yiwang.core import audit, menus

    menus.register(
        menus.MenuItem("points.shops", gettext_lazy("Points shop"), "points:shops", "points", 60)
    )
    audit.register_actions(
        {
            "points_shop.create": gettext_lazy("Open a points shop"),
            "points_shop.update": gettext_lazy("Change a points shop"),
            "points_goods.create": gettext_lazy("Put goods in a points shop"),
            "points_goods.update": gettext_lazy("Change goods of a points shop"),
            "points_goods.restock": gettext_lazy("Restock goods of a points shop"),
            "points_goods.correct_stock": gettext_lazy("Correct the stock of goods"),
            "points_redemption.create": gettext_lazy("Redeem points"),
        }
    )
