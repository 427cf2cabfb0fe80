"""The points shop's services: shops and goods kept by the village's managers, stock moves
audited, and redemptions that debit the household and take the stock, or change nothing."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from conftest import OTHER_UNIT, OTHER_VILLAGE, PASSWORD, UNIT, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.points.models import Goods, PointsAccount, Redemption
from yiwang.points.services import accounts
from yiwang.points.services import shop as services
from yiwang.registry.services import add_resident, create_household

pytestmark = pytest.mark.django_db


# --- helpers, shared by the shop's other tests ---------------------------------------------


def make_household(unit=UNIT, number="101", head="李四", points=None):
    household = create_household(actor=None, unit_code=unit, number=number)
    add_resident(
        actor=None, household_id=household.pk, name=head, relation="head", birth_date="19700101"
    )
    if points is not None:
        accounts.credit(household, Decimal(points))
    return household


def make_shop(village=VILLAGE, name="本村积分超市", keepers=()):
    return services.create_shop(
        actor=None, village_code=village, name=name, keeper_ids=[k.pk for k in keepers]
    )


def make_goods(shop, name="洗衣粉", price="20", stock=5):
    return services.add_goods(actor=None, shop_id=shop.pk, name=name, price=price, stock=stock)


def make_keeper(username="keeper"):
    from yiwang.accounts.services import create_user

    return create_user(actor=None, username=username, password=PASSWORD, full_name="店主王")


def state(household, goods):
    """What a refused redemption must leave as it was."""
    account = PointsAccount.objects.filter(household=household).values_list("earned", "spent")
    return (
        list(account),
        Goods.objects.get(pk=goods.pk).stock,
        Redemption.objects.count(),
        AuditEntry.objects.filter(action="points_redemption.create").count(),
    )


# --- redemptions ---------------------------------------------------------------------------


def test_a_redemption_debits_the_household_and_takes_the_stock(chief):
    household = make_household(points="100")
    goods = make_goods(make_shop())
    redemption, created = services.redeem(
        chief, uuid=uuid.uuid4(), household=household.pk, goods=goods.pk, quantity=2
    )
    assert created and redemption.points == Decimal("40") and redemption.area_code == UNIT
    assert accounts.balance(household.pk) == Decimal("60")
    assert Goods.objects.get(pk=goods.pk).stock == 3
    entry = AuditEntry.objects.get(action="points_redemption.create")
    assert entry.actor == chief and entry.object_id == str(redemption.pk)


def test_over_the_balance_is_refused_with_the_shortfall_and_nothing_changes(chief):
    household = make_household(points="30")
    goods = make_goods(make_shop())
    before = state(household, goods)
    with pytest.raises(services.Short) as refused:
        services.redeem(chief, uuid=uuid.uuid4(), household=household.pk, goods=goods, quantity=2)
    message = " ".join(refused.value.messages)
    assert "30" in message and "40" in message and "10" in message
    assert state(household, goods) == before


def test_a_household_without_points_is_refused(chief):
    household = make_household()
    goods = make_goods(make_shop())
    with pytest.raises(services.Short):
        services.redeem(chief, uuid=uuid.uuid4(), household=household, goods=goods, quantity=1)
    assert accounts.balance(household.pk) == 0 and Redemption.objects.count() == 0


def test_over_the_stock_is_refused_with_the_shortfall_and_nothing_changes(chief):
    household = make_household(points="500")
    goods = make_goods(make_shop(), stock=2)
    before = state(household, goods)
    with pytest.raises(services.Short) as refused:
        services.redeem(chief, uuid=uuid.uuid4(), household=household.pk, goods=goods, quantity=3)
    message = " ".join(refused.value.messages)
    assert "洗衣粉" in message and "2" in message and "3" in message
    # The balance covered it: the debit was made, then rolled back with the rest.
    assert state(household, goods) == before
    assert accounts.balance(household.pk) == Decimal("500")


def test_the_same_uuid_again_returns_the_stored_redemption(chief):
    household = make_household(points="100")
    goods = make_goods(make_shop())
    key = uuid.uuid4()
    first, created = services.redeem(
        chief, uuid=key, household=household.pk, goods=goods.pk, quantity=1
    )
    again, created_again = services.redeem(
        chief, uuid=str(key), household=household.pk, goods=goods.pk, quantity="1"
    )
    assert created and not created_again and again.pk == first.pk
    assert accounts.balance(household.pk) == Decimal("80")
    assert Goods.objects.get(pk=goods.pk).stock == 4
    with pytest.raises(ValidationError) as refused:
        services.redeem(chief, uuid=key, household=household.pk, goods=goods.pk, quantity=2)
    assert "uuid" in refused.value.message_dict
    assert Redemption.objects.count() == 1 and accounts.balance(household.pk) == Decimal("80")


def test_a_replay_answers_the_stored_redemption_whatever_changed_since(chief):
    """Sent again after the goods went off sale and the balance ran out: still the stored
    redemption, nothing changed again."""
    household = make_household(points="20")
    goods = make_goods(make_shop())
    key = uuid.uuid4()
    first, _created = services.redeem(chief, uuid=key, household=household, goods=goods, quantity=1)
    services.update_goods(chief, goods_id=goods.pk, name="洗衣粉", price="20", is_active=False)
    before = state(household, goods)
    again, created = services.redeem(chief, uuid=key, household=household, goods=goods, quantity=1)
    assert (again.pk, created) == (first.pk, False)
    assert state(household, goods) == before


def test_goods_of_another_villages_shop_are_refused(county_admin, chief):
    """A county admin reaches both villages: refused with a message. The grid chief does
    not reach the other village's goods at all: not found."""
    household = make_household(points="100")
    foreign_goods = make_goods(make_shop(village=OTHER_VILLAGE, name="外村超市"))
    before = state(household, foreign_goods)
    with pytest.raises(ValidationError) as refused:
        services.redeem(
            county_admin, uuid=uuid.uuid4(), household=household, goods=foreign_goods, quantity=1
        )
    assert "village" in str(refused.value.message_dict["goods"]) or refused.value.message_dict
    assert state(household, foreign_goods) == before
    with pytest.raises(Http404):
        services.redeem(
            chief, uuid=uuid.uuid4(), household=household, goods=foreign_goods, quantity=1
        )
    assert state(household, foreign_goods) == before


def test_a_keeper_redeems_for_the_households_of_the_shops_village_only(tree):
    keeper = make_keeper()
    household = make_household(points="100")
    foreign = make_household(unit=OTHER_UNIT, number="外1", head="王五", points="100")
    goods = make_goods(make_shop(keepers=[keeper]))
    redemption, _created = services.redeem(
        keeper, uuid=uuid.uuid4(), household=household.pk, goods=goods.pk, quantity=1
    )
    assert redemption.redeemed_by == keeper
    with pytest.raises(Http404):
        services.redeem(keeper, uuid=uuid.uuid4(), household=foreign.pk, goods=goods, quantity=1)
    assert accounts.balance(foreign.pk) == Decimal("100")


def test_a_grid_worker_redeems_for_the_households_of_the_unit(worker, outsider):
    household = make_household(points="100")
    goods = make_goods(make_shop())
    services.redeem(worker, uuid=uuid.uuid4(), household=household, goods=goods, quantity=1)
    assert accounts.balance(household.pk) == Decimal("80")
    with pytest.raises(Http404):
        services.redeem(outsider, uuid=uuid.uuid4(), household=household, goods=goods, quantity=1)


def test_a_user_who_neither_keeps_nor_records_is_refused(tree):
    """A keeper of another shop of the same village sees the village's households but is
    no keeper of this shop and records nothing: refused, nothing changes."""
    other_keeper = make_keeper("other")
    household = make_household(points="100")
    make_shop(name="二号店", keepers=[other_keeper])
    goods = make_goods(make_shop())
    # The other keeper does not see this shop's goods either: not found.
    with pytest.raises(Http404):
        services.redeem(
            other_keeper, uuid=uuid.uuid4(), household=household, goods=goods, quantity=1
        )
    assert accounts.balance(household.pk) == Decimal("100")


@pytest.mark.parametrize(
    ("quantity", "field"),
    [(0, "quantity"), ("two", "quantity"), (1000, "quantity"), (-1, "quantity")],
)
def test_bad_input_names_the_field(chief, quantity, field):
    household = make_household(points="100")
    goods = make_goods(make_shop())
    with pytest.raises(ValidationError) as refused:
        services.redeem(
            chief, uuid=uuid.uuid4(), household=household, goods=goods, quantity=quantity
        )
    assert field in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.redeem(chief, uuid="not-a-uuid", household=household, goods=goods, quantity=1)
    assert "uuid" in refused.value.message_dict
    assert Redemption.objects.count() == 0


def test_a_closed_shop_and_goods_off_sale_are_refused(chief):
    household = make_household(points="100")
    shop = make_shop()
    goods = make_goods(shop)
    services.update_goods(chief, goods_id=goods.pk, name="洗衣粉", price="20", is_active=False)
    with pytest.raises(ValidationError, match="off sale|下架"):
        services.redeem(chief, uuid=uuid.uuid4(), household=household, goods=goods, quantity=1)
    services.update_goods(chief, goods_id=goods.pk, name="洗衣粉", price="20", is_active=True)
    services.update_shop(chief, shop_id=shop.pk, name=shop.name, is_active=False)
    with pytest.raises(ValidationError):
        services.redeem(chief, uuid=uuid.uuid4(), household=household, goods=goods, quantity=1)
    assert accounts.balance(household.pk) == Decimal("100")


# --- shops and goods -----------------------------------------------------------------------


def test_the_villages_chief_opens_a_shop_and_keeps_its_goods(chief, worker):
    shop = services.create_shop(
        chief, village_code=VILLAGE, name="本村超市", keeper_ids=[worker.pk]
    )
    assert list(shop.keepers.all()) == [worker]
    goods = services.add_goods(chief, shop_id=shop.pk, name="食用油", price="50", stock="3")
    services.update_goods(chief, goods_id=goods.pk, name="食用油", price="45.5", is_active=True)
    services.restock(chief, goods_id=goods.pk, quantity=10)
    goods.refresh_from_db()
    assert goods.price == Decimal("45.5") and goods.stock == 13
    services.correct_stock(chief, goods_id=goods.pk, stock=11, reason="破损两桶")
    goods.refresh_from_db()
    assert goods.stock == 11
    actions = list(
        AuditEntry.objects.filter(object_id=str(goods.pk), object_type="points.goods")
        .order_by("id")
        .values_list("action", "before", "after")
    )
    assert [a[0] for a in actions] == [
        "points_goods.create",
        "points_goods.update",
        "points_goods.restock",
        "points_goods.correct_stock",
    ]
    assert actions[2][1] == {"stock": 3} and actions[2][2] == {"stock": 13, "added": 10}
    assert actions[3][2] == {"stock": 11, "reason": "破损两桶"}


def test_a_grid_worker_may_not_change_the_shop(chief, worker):
    shop = services.create_shop(chief, village_code=VILLAGE, name="本村超市")
    with pytest.raises(PermissionDenied):
        services.add_goods(worker, shop_id=shop.pk, name="盐", price="2", stock=1)
    with pytest.raises(PermissionDenied):
        services.create_shop(worker, village_code=VILLAGE, name="另一个")
    assert Goods.objects.count() == 0


def test_bad_goods_input_is_refused_with_the_field_named(chief):
    shop = make_shop()
    for price in ("0", "-3", "abc", "2.55", ""):
        with pytest.raises(ValidationError) as refused:
            services.add_goods(chief, shop_id=shop.pk, name="盐", price=price, stock=1)
        assert "price" in refused.value.message_dict
    goods = make_goods(shop)
    with pytest.raises(ValidationError) as refused:
        services.correct_stock(chief, goods_id=goods.pk, stock=3, reason="")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.restock(chief, goods_id=goods.pk, quantity=0)
    assert "quantity" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.add_goods(chief, shop_id=shop.pk, name="洗衣粉", price="5", stock=1)
    assert "name" in refused.value.message_dict
    assert Goods.objects.get(pk=goods.pk).stock == 5


def test_a_shop_belongs_to_a_village(chief, town_admin):
    with pytest.raises(ValidationError) as refused:
        services.create_shop(town_admin, village_code=UNIT, name="单元超市")
    assert "village_code" in refused.value.message_dict
    with pytest.raises(Http404):
        services.create_shop(chief, village_code=OTHER_VILLAGE, name="外村超市")


def test_who_sees_which_shop(chief, worker, outsider, town_admin):
    shop = make_shop()
    foreign = make_shop(village=OTHER_VILLAGE, name="外村超市")
    keeper = make_keeper()
    services.update_shop(None, shop_id=foreign.pk, name=foreign.name, keeper_ids=[keeper.pk])
    assert set(services.shops_visible_to(chief)) == {shop}
    assert set(services.shops_visible_to(worker)) == {shop}  # the village their unit lies in
    assert set(services.shops_visible_to(outsider)) == {foreign}
    assert set(services.shops_visible_to(town_admin)) == {shop}
    assert set(services.shops_visible_to(keeper)) == {foreign}
