"""Every write of the points shop (积分超市): the village's shops and their keepers, the
goods with their price and stock, and the redemptions.

Who may do what (yiwang.points.access):
- a shop and its goods are kept by the village's grid chief or cadres, or a town or
  county admin above it (`access.can_adopt`);
- a redemption is made by a keeper of the goods' shop, or by anyone who records points
  over the household (`access.can_record`), for a household of the shop's village.

A redemption is one transaction: the redemption row, then the household's account debited
(`accounts.debit`) and the goods' stock taken, each by a conditional UPDATE, so that two
redemptions racing never take the balance or the stock below zero. When either is short
the whole transaction rolls back and `Short` (a ValidationError: the API answers 409) says
how much is missing. The client's `uuid` makes it idempotent: the same redemption sent
again returns the stored one; the same uuid with other content is refused.

`actor=None` is the operator at the command line, who may do all.
"""

from __future__ import annotations

import uuid as uuid_module
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils.translation import gettext as _

from yiwang.accounts import scope
from yiwang.accounts.models import User
from yiwang.areas.models import Area
from yiwang.core import audit, validators
from yiwang.core.scoping import any_subtree_q, get_or_404
from yiwang.points import access
from yiwang.points.models import Goods, Redemption, Shop
from yiwang.points.services import accounts
from yiwang.registry.models import Household, HouseholdStatus

VILLAGE_LENGTH = 12
NAME_MAX = 100
REASON_MAX = 300
# The most of one goods in one redemption, and the highest stock a shop may hold.
QUANTITY_MAX = 999
STOCK_MAX = 1_000_000
PRICE_MAX = Decimal("99999.9")


class Short(ValidationError):
    """The household's balance or the goods' stock is short: nothing was changed. The API
    answers 409 with the message."""


def village_of(code: str) -> str:
    return (code or "")[:VILLAGE_LENGTH]


# --- who reaches what -------------------------------------------------------------------


def kept_shops(user):
    """The shops `user` keeps (open or closed)."""
    if user is None:
        return Shop.objects.all()
    return Shop.objects.filter(keepers=user.pk)


def _shops_q(codes, kept, prefix: str = "") -> Q:
    """Shops of the subtrees `codes`, of the villages above them (a grid worker sees the
    shop of the village their unit lies in), and the shops `kept`."""
    villages = sorted({code[:VILLAGE_LENGTH] for code in codes if len(code) > VILLAGE_LENGTH})
    return (
        any_subtree_q(f"{prefix}area_code", codes)
        | Q(**{f"{prefix}area_code__in": villages})
        | Q(**{f"{prefix}pk__in": kept})
    )


def shops_visible_to(user):
    """Shops of the user's scope and of the village it lies in, and those they keep."""
    if user is None:
        return Shop.objects.all()
    codes = scope.scope_codes(user)
    if codes is None:
        return Shop.objects.all()
    return Shop.objects.filter(_shops_q(codes, kept_shops(user).values("pk")))


def goods_visible_to(user):
    """Goods of the shops the user sees."""
    if user is None:
        return Goods.objects.all()
    codes = scope.scope_codes(user)
    if codes is None:
        return Goods.objects.all()
    return Goods.objects.filter(_shops_q(codes, kept_shops(user).values("pk"), "shop__"))


def _reaches_village(user, code: str) -> bool:
    """The village lies in the user's scope, or their scope lies in it."""
    codes = scope.scope_codes(user)
    return codes is None or any(code.startswith(c) or c.startswith(code) for c in codes)


def may_redeem_at(user, shop: Shop) -> bool:
    """Whether the user may redeem at the shop for some household: a keeper, or someone
    who records points in its village (or above it)."""
    if user is None or getattr(user, "is_superuser", False):
        return True
    if is_keeper(user, shop):
        return True
    return any(
        role in access.RECORDERS
        and (code.startswith(shop.area_code) or shop.area_code.startswith(code))
        for role, code in scope.current_posts(user)
    )


def _kept_villages(user) -> list[str]:
    return list(kept_shops(user).order_by().values_list("area_code", flat=True).distinct())


def households_reachable(user, queryset=None):
    """Households whose points a user may read and redeem for: those of their scope, and
    those of the villages whose shop they keep."""
    queryset = Household.objects.all() if queryset is None else queryset
    if user is None:
        return queryset
    codes = scope.scope_codes(user)
    if codes is None:
        return queryset
    villages = _kept_villages(user)
    return queryset.filter(any_subtree_q("area_code", [*codes, *villages]))


def points_of(user, household_id: int) -> tuple[Decimal, Decimal] | None:
    """(balance, owed) of the household (accounts.split) if the user reaches it (as
    `households_reachable`), else None: one query for the household and its account
    together, and the shops the user keeps asked only when the scope does not take them
    there."""
    found = (
        Household.objects.filter(pk=household_id)
        .values_list("area_code", "points_account__earned", "points_account__spent")
        .first()
    )
    if found is None:
        return None
    code, earned, spent = found
    if not (
        user is None
        or scope.in_scope(user, code)
        or kept_shops(user).filter(area_code=village_of(code)).exists()
    ):
        return None
    return accounts.split(earned, spent)


def redemptions_visible_to(user):
    """Redemptions of the households of the user's scope, and those made at the shops
    they keep."""
    if user is None:
        return Redemption.objects.all()
    codes = scope.scope_codes(user)
    if codes is None:
        return Redemption.objects.all()
    return Redemption.objects.filter(
        any_subtree_q("area_code", codes) | Q(goods__shop__in=kept_shops(user).values("pk"))
    )


def is_keeper(user, shop: Shop) -> bool:
    if user is None:
        return True
    return shop.keepers.filter(pk=user.pk).exists()


def can_manage(user, shop_or_code) -> bool:
    """Whether the user keeps the shop's settings and goods (its village's grid chief or
    cadres, a town or county admin above it)."""
    code = getattr(shop_or_code, "area_code", shop_or_code)
    return access.can_adopt(user, code)


def may_manage_any(user) -> bool:
    """Whether the user may open a shop anywhere (to offer the link)."""
    if user is None or getattr(user, "is_superuser", False):
        return True
    return any(role in access.LIST_KEEPERS for role, _code in scope.current_posts(user))


def _require_manager(actor, shop: Shop) -> None:
    if not can_manage(actor, shop):
        raise PermissionDenied(
            _(
                "Only the village's grid chief or cadres, or a town or county admin above it, "
                "may change its shop and goods."
            )
        )


def _shop(actor, shop_id, *, lock: bool = False) -> Shop:
    pk = validators.read_id(shop_id)
    if pk is None:
        raise Http404(_("Not found."))
    return get_or_404(shops_visible_to(actor), lock=lock, pk=pk)


def _goods(actor, goods_id, *, lock: bool = False) -> Goods:
    pk = validators.read_id(goods_id)
    if pk is None:
        raise Http404(_("Not found."))
    return get_or_404(goods_visible_to(actor).select_related("shop"), lock=lock, pk=pk)


# --- input --------------------------------------------------------------------------------


def _price(value, errors: dict) -> Decimal | None:
    try:
        price = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        price = None
    if price is None or not price.is_finite() or price <= 0 or price > PRICE_MAX:
        errors.setdefault("price", []).append(
            _("Give the price in points: a number above 0 and at most %(max)s, e.g. 20 or 2.5.")
            % {"max": PRICE_MAX}
        )
        return None
    if price != price.quantize(Decimal("0.1")):
        errors.setdefault("price", []).append(_("A price has at most one decimal place, e.g. 2.5."))
        return None
    return price


def _whole(value, *, field: str, low: int, high: int, errors: dict, message: str) -> int | None:
    if isinstance(value, bool):
        value = None
    text = str(value).strip() if value is not None else ""
    if isinstance(value, int):
        number = value
    elif text.isascii() and text.isdigit() and len(text) <= 9:
        number = int(text)
    else:
        number = None
    if number is None or not low <= number <= high:
        errors.setdefault(field, []).append(message)
        return None
    return number


def _quantity(value, errors: dict) -> int | None:
    return _whole(
        value,
        field="quantity",
        low=1,
        high=QUANTITY_MAX,
        errors=errors,
        message=_("Give how many to take: a whole number from 1 to %(max)d.")
        % {"max": QUANTITY_MAX},
    )


def _uuid(value) -> uuid_module.UUID:
    if isinstance(value, uuid_module.UUID):
        return value
    try:
        return uuid_module.UUID(str(value or "").strip())
    except ValueError:
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "Not a UUID: the app makes one for each redemption, "
                        "e.g. with crypto.randomUUID()."
                    )
                ]
            }
        ) from None


def _keepers(keeper_ids, errors: dict) -> list[User]:
    """The keepers as chosen: active users, read by id (a shopkeeper may hold no post)."""
    ids = []
    for value in keeper_ids or ():
        pk = validators.read_id(value)
        if pk is None:
            errors.setdefault("keepers", []).append(_("Choose the keepers from the list."))
            return []
        ids.append(pk)
    found = list(User.objects.filter(pk__in=ids, is_active=True))
    if len(found) != len(set(ids)):
        errors.setdefault("keepers", []).append(
            _("A keeper chosen is no active user: choose the keepers from the list.")
        )
    return found


def keeper_choices(code: str):
    """The users offered as keepers of a village's shop: whoever holds a current post in
    the village (a grid worker, a group leader, a cadre, the grid chief)."""
    from yiwang.accounts.models import Post

    users = Post.objects.current().under(code).values("user_id")
    return User.objects.filter(pk__in=users, is_active=True).order_by("full_name", "username")


# --- shops -----------------------------------------------------------------------------------


@transaction.atomic
def create_shop(actor, *, village_code: str, name: str, keeper_ids=(), is_active: bool = True):
    """Opens a shop in a village (its grid chief or cadres, a town or county admin above)."""
    if actor is not None:
        scope.recheck(actor)
    errors: dict = {}
    code = str(village_code or "").strip()
    village = Area.objects.filter(code=code, level="village").first()
    if village is None:
        errors["village_code"] = [_("Choose a village: a shop belongs to one village.")]
    elif actor is not None and not _reaches_village(actor, code):
        raise Http404(_("Not found."))
    name = validators.clean_line(name, field="name", limit=NAME_MAX, required=True, errors=errors)
    keepers = _keepers(keeper_ids, errors)
    if errors:
        raise ValidationError(errors)
    if not can_manage(actor, code):
        raise PermissionDenied(
            _(
                "Only the village's grid chief or cadres, or a town or county admin above it, "
                "may change its shop and goods."
            )
        )
    shop = Shop.objects.create(area_code=code, name=name, is_active=bool(is_active))
    shop.keepers.set(keepers)
    audit.record(
        actor=actor,
        action="points_shop.create",
        obj=shop,
        after={**audit.snapshot(shop), "keepers": sorted(k.pk for k in keepers)},
    )
    return shop


@transaction.atomic
def update_shop(actor, *, shop_id, name: str, keeper_ids=None, is_active: bool = True) -> Shop:
    """Renames a shop, names its keepers (None: as they are), opens or closes it."""
    if actor is not None:
        scope.recheck(actor)
    shop = _shop(actor, shop_id, lock=True)
    _require_manager(actor, shop)
    errors: dict = {}
    name = validators.clean_line(name, field="name", limit=NAME_MAX, required=True, errors=errors)
    if keeper_ids is None:
        keeper_ids = list(shop.keepers.values_list("pk", flat=True))
    keepers = _keepers(keeper_ids, errors)
    if errors:
        raise ValidationError(errors)
    before = {**audit.snapshot(shop), "keepers": sorted(shop.keepers.values_list("pk", flat=True))}
    shop.name = name
    shop.is_active = bool(is_active)
    shop.save(update_fields=["name", "is_active", "updated_at"])
    shop.keepers.set(keepers)
    after = {**audit.snapshot(shop), "keepers": sorted(k.pk for k in keepers)}
    if {k: v for k, v in before.items() if k != "updated_at"} != {
        k: v for k, v in after.items() if k != "updated_at"
    }:
        audit.record(actor=actor, action="points_shop.update", obj=shop, before=before, after=after)
    return shop


# --- goods -----------------------------------------------------------------------------------


@transaction.atomic
def add_goods(actor, *, shop_id, name: str, price, stock=0, is_active: bool = True) -> Goods:
    """Puts goods on a shop's shelf with its price in points and its first stock."""
    if actor is not None:
        scope.recheck(actor)
    shop = _shop(actor, shop_id)
    _require_manager(actor, shop)
    errors: dict = {}
    name = validators.clean_line(name, field="name", limit=NAME_MAX, required=True, errors=errors)
    price = _price(price, errors)
    stock = _whole(
        stock if stock not in (None, "") else 0,
        field="stock",
        low=0,
        high=STOCK_MAX,
        errors=errors,
        message=_("Give the stock: a whole number from 0 to %(max)d.") % {"max": STOCK_MAX},
    )
    if not errors and shop.goods.filter(name=name).exists():
        errors["name"] = [
            _("The shop already has goods named %(name)s: change its price or stock instead.")
            % {"name": name}
        ]
    if errors:
        raise ValidationError(errors)
    goods = Goods.objects.create(
        shop=shop,
        area_code=shop.area_code,
        name=name,
        price=price,
        stock=stock,
        is_active=bool(is_active),
    )
    audit.record(actor=actor, action="points_goods.create", obj=goods, after=audit.snapshot(goods))
    return goods


@transaction.atomic
def update_goods(actor, *, goods_id, name: str, price, is_active: bool) -> Goods:
    """Changes the goods' name, price or whether they are on sale (the stock moves by
    `restock` and `correct_stock`)."""
    if actor is not None:
        scope.recheck(actor)
    goods = _goods(actor, goods_id, lock=True)
    _require_manager(actor, goods.shop)
    errors: dict = {}
    name = validators.clean_line(name, field="name", limit=NAME_MAX, required=True, errors=errors)
    price = _price(price, errors)
    if (
        not errors
        and name != goods.name
        and goods.shop.goods.filter(name=name).exclude(pk=goods.pk).exists()
    ):
        errors["name"] = [
            _("The shop already has goods named %(name)s: change its price or stock instead.")
            % {"name": name}
        ]
    if errors:
        raise ValidationError(errors)
    audit.save_changes(
        actor=actor,
        obj=goods,
        values={"name": name, "price": price, "is_active": bool(is_active)},
        action="points_goods.update",
    )
    return goods


@transaction.atomic
def restock(actor, *, goods_id, quantity) -> Goods:
    """Adds a delivery to the stock (a conditional UPDATE: redemptions at the same time
    are not lost)."""
    if actor is not None:
        scope.recheck(actor)
    goods = _goods(actor, goods_id)
    _require_manager(actor, goods.shop)
    errors: dict = {}
    quantity = _whole(
        quantity,
        field="quantity",
        low=1,
        high=STOCK_MAX,
        errors=errors,
        message=_("Give how many arrived: a whole number from 1 to %(max)d.") % {"max": STOCK_MAX},
    )
    if errors:
        raise ValidationError(errors)
    if not Goods.objects.filter(pk=goods.pk, stock__lte=STOCK_MAX - quantity).update(
        stock=F("stock") + quantity
    ):
        raise ValidationError(
            {
                "quantity": [
                    _("The stock would exceed %(max)d: count it and correct it.")
                    % {"max": STOCK_MAX}
                ]
            }
        )
    goods.refresh_from_db(fields=["stock"])
    audit.record(
        actor=actor,
        action="points_goods.restock",
        obj=goods,
        before={"stock": goods.stock - quantity},
        after={"stock": goods.stock, "added": quantity},
    )
    return goods


@transaction.atomic
def correct_stock(actor, *, goods_id, stock, reason: str) -> Goods:
    """Sets the stock as counted on the shelf, with the reason (breakage, a miscount)."""
    if actor is not None:
        scope.recheck(actor)
    goods = _goods(actor, goods_id, lock=True)
    _require_manager(actor, goods.shop)
    errors: dict = {}
    stock = _whole(
        stock,
        field="stock",
        low=0,
        high=STOCK_MAX,
        errors=errors,
        message=_("Give the stock as counted: a whole number from 0 to %(max)d.")
        % {"max": STOCK_MAX},
    )
    reason = validators.clean_line(
        reason, field="reason", limit=REASON_MAX, required=True, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    before = goods.stock
    Goods.objects.filter(pk=goods.pk).update(stock=stock)
    goods.stock = stock
    audit.record(
        actor=actor,
        action="points_goods.correct_stock",
        obj=goods,
        before={"stock": before},
        after={"stock": stock, "reason": reason},
    )
    return goods


# --- redemptions ---------------------------------------------------------------------------


def stored_redemption(key) -> Redemption | None:
    return Redemption.objects.select_related("goods", "household").filter(uuid=key).first()


def _replayed(actor, found: Redemption, household, goods, quantity: int) -> Redemption:
    """The stored redemption, sent again: the same household, goods and quantity, else
    refused. Read only by whoever reaches it."""
    if not redemptions_visible_to(actor).filter(pk=found.pk).exists():
        raise Http404(_("Not found."))
    sent = (validators.read_id(household), validators.read_id(goods), quantity)
    if (found.household_id, found.goods_id, found.quantity) != sent:
        raise ValidationError(
            {
                "uuid": [
                    _(
                        "This UUID was sent before with another household, goods or quantity: "
                        "make a new UUID for a new redemption."
                    )
                ]
            }
        )
    return found


def points_text(value: Decimal) -> str:
    """20.0 → "20", 2.50 → "2.5"."""
    return format(Decimal(value).normalize(), "f")


def _shortages(household: Household, goods: Goods, quantity: int, points: Decimal) -> list[str]:
    """What is short, in words, read inside the failed transaction."""
    messages = []
    balance = accounts.balance(household.pk)
    if balance < points:
        messages.append(
            _(
                "The household's balance is %(balance)s points and %(points)s are needed: "
                "%(short)s points short."
            )
            % {
                "balance": points_text(balance),
                "points": points_text(points),
                "short": points_text(points - balance),
            }
        )
    stock = Goods.objects.filter(pk=goods.pk).values_list("stock", flat=True).first() or 0
    if stock < quantity:
        messages.append(
            _("Only %(stock)d of %(name)s in stock and %(quantity)d asked: %(short)d short.")
            % {"stock": stock, "name": goods.name, "quantity": quantity, "short": quantity - stock}
        )
    return messages


def _reached_goods(actor, goods_id) -> Goods:
    """The goods `goods_id` if the actor reaches them (as `goods_visible_to`: their scope,
    the village it lies in, the shops they keep), else 404. One simple query in the usual
    case; the keepers are asked only of someone the scope does not take there."""
    pk = validators.read_id(getattr(goods_id, "pk", goods_id))
    found = Goods.objects.select_related("shop").filter(pk=pk).first() if pk else None
    if found is None:
        raise Http404(_("Not found."))
    codes = scope.scope_codes(actor)
    village = found.area_code
    if codes is None or any(village.startswith(c) or c[:VILLAGE_LENGTH] == village for c in codes):
        return found
    if is_keeper(actor, found.shop):
        return found
    raise Http404(_("Not found."))


def _reached_household(actor, household_id) -> Household:
    """The household `household_id` if the actor reaches it (as `households_reachable`:
    their scope, the villages whose shop they keep), else 404."""
    pk = validators.read_id(getattr(household_id, "pk", household_id))
    found = Household.objects.filter(pk=pk).first() if pk else None
    if found is None:
        raise Http404(_("Not found."))
    if scope.in_scope(actor, found.area_code):
        return found
    if kept_shops(actor).filter(area_code=village_of(found.area_code)).exists():
        return found
    raise Http404(_("Not found."))


def redeem(actor, *, uuid, household, goods, quantity) -> tuple[Redemption, bool]:
    """Takes `quantity` of `goods` (an id or the row) for `household` (an id or the row),
    paid with the household's points. Returns (redemption, created): created False when
    the same uuid was sent before with the same content (nothing changes again).

    Refused, with nothing changed: a household or goods the actor does not reach (404),
    an actor who neither keeps the goods' shop nor records points over the household
    (403), a household outside the shop's village, a closed shop, goods off sale, a bad
    quantity (ValidationError), a balance or a stock short (`Short`)."""
    if actor is None:
        raise ValueError("A redemption is made by someone: redeem needs an actor.")
    key = _uuid(uuid)
    errors: dict = {}
    quantity = _quantity(quantity, errors)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            scope.recheck(actor)
            goods = _reached_goods(actor, goods)
            household = _reached_household(actor, household)
            shop = goods.shop
            if not (access.can_record(actor, household.area_code) or is_keeper(actor, shop)):
                raise PermissionDenied(
                    _(
                        "Only a keeper of this shop, or someone who records points for the "
                        "household, may redeem its points."
                    )
                )
            points = goods.price * quantity
            redemption = Redemption(
                uuid=key,
                household=household,
                goods=goods,
                quantity=quantity,
                points=points,
                redeemed_by=actor,
                area_code=household.area_code,
            )
            # First, so that the same redemption sent again is answered with the stored
            # one whatever has changed since (the unique uuid decides, also when both
            # arrive at once).
            redemption.save(force_insert=True)
            if village_of(household.area_code) != shop.area_code:
                raise ValidationError(
                    {
                        "goods": [
                            _(
                                "The household lives in another village than this shop's: "
                                "points are redeemed at the household's own village shop."
                            )
                        ]
                    }
                )
            if household.status != HouseholdStatus.ACTIVE:
                raise ValidationError({"household": [_("The household is no longer active.")]})
            if not shop.is_active:
                raise ValidationError({"goods": [_("The shop is closed: open it first.")]})
            if not goods.is_active:
                raise ValidationError(
                    {"goods": [_("These goods are off sale: put them on sale first.")]}
                )
            paid = accounts.debit(household, points)
            taken = bool(
                Goods.objects.filter(pk=goods.pk, stock__gte=quantity).update(
                    stock=F("stock") - quantity
                )
            )
            if not (paid and taken):
                raise Short(_shortages(household, goods, quantity, points))
            audit.record(
                actor=actor,
                action="points_redemption.create",
                obj=redemption,
                after={**audit.snapshot(redemption), "shop_id": shop.pk},
            )
    except IntegrityError:
        # Sent before (or by another request at this moment): the stored redemption, if
        # it is the same; the transaction above changed nothing.
        found = stored_redemption(key)
        if found is None:
            raise
        return _replayed(actor, found, household, goods, quantity), False
    return redemption, True
