"""The points shop's pages: the shopkeeper finds a household, sees its balance, redeems
and gets the receipt; a short balance shows the message and changes nothing; the shop's
page and the household's points; the goods' forms; who sees what, for every persona."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import OTHER_UNIT, OTHER_VILLAGE, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.points.models import (
    DutyList,
    Entry,
    EntryStatus,
    Goods,
    ListItem,
    ListKind,
    Redemption,
    Shop,
)
from yiwang.points.services import accounts

from .test_shop import make_goods, make_household, make_keeper, make_shop, state

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_keeper_redeems_on_the_phone_page(tree):
    keeper = make_keeper()
    household = make_household(number="101", head="李四", points="100")
    make_household(number="102", head="赵六", points="5")
    shop = make_shop(keepers=[keeper])
    goods = make_goods(shop, price="20", stock=5)
    c = client_of(keeper)
    url = reverse("points:redeem", args=[shop.pk])
    assert c.get(url).status_code == 200
    for text in ("李四", "101"):
        hits = c.get(url, {"q": text}).content.decode().split('id="household-hits"')[1]
        assert "李四" in hits and "赵六" not in hits
    page = c.get(url, {"household": household.pk})
    body = page.content.decode()
    assert "100" in body and "洗衣粉" in body
    key = page.context["form"]["uuid"].value()
    response = c.post(
        f"{url}?household={household.pk}", {"uuid": key, "goods": goods.pk, "quantity": "2"}
    )
    redemption = Redemption.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("points:redemption", args=[redemption.pk])
    receipt = c.get(response["Location"]).content.decode()
    assert "60" in receipt and "洗衣粉" in receipt
    # Sent again (the back button, a double tap): the same redemption, nothing more.
    again = c.post(
        f"{url}?household={household.pk}", {"uuid": key, "goods": goods.pk, "quantity": "2"}
    )
    assert again["Location"] == response["Location"]
    assert accounts.balance(household.pk) == Decimal("60")
    assert Goods.objects.get(pk=goods.pk).stock == 3


def test_the_page_shows_what_is_short_and_changes_nothing(chief):
    household = make_household(points="30")
    shop = make_shop()
    goods = make_goods(shop, price="20", stock=5)
    before = state(household, goods)
    url = reverse("points:redeem", args=[shop.pk]) + f"?household={household.pk}"
    response = client_of(chief).post(
        url, {"uuid": str(uuid.uuid4()), "goods": goods.pk, "quantity": "2"}
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "10" in errors and "30" in errors
    assert state(household, goods) == before


def test_the_shop_page_lists_goods_stock_and_the_months_redemptions(chief):
    household = make_household(points="100")
    shop = make_shop()
    goods = make_goods(shop, price="20", stock=5)
    from yiwang.points.services import shop as services

    services.redeem(chief, uuid=uuid.uuid4(), household=household, goods=goods, quantity=1)
    body = client_of(chief).get(reverse("points:shop", args=[shop.pk])).content.decode()
    assert "洗衣粉" in body and 'id="redemption-table"' in body
    table = body.split('id="redemption-table"')[1]
    assert "李四" in table and "101" in table
    assert reverse("points:goods-stock", args=[goods.pk]) in body


def test_the_households_points_page(chief):
    household = make_household(points="100")
    shop = make_shop()
    goods = make_goods(shop, price="20", stock=5)
    from yiwang.points.services import shop as services

    services.redeem(chief, uuid=uuid.uuid4(), household=household, goods=goods, quantity=1)
    duty_list = DutyList.objects.create(
        area_code=VILLAGE,
        kind=ListKind.choices[-1][0],
        version=1,
        adopted_on=timezone.localdate(),
        adopted_by=chief,
    )
    item = ListItem.objects.create(duty_list=duty_list, article="3.1", text="庭院整洁", points=5)
    month = timezone.localdate().replace(day=1)
    for status, points in ((EntryStatus.APPROVED, 5), (EntryStatus.PENDING, 3)):
        Entry.objects.create(
            item=item,
            household=household,
            month=month,
            points=points,
            status=status,
            area_code=household.area_code,
        )
    body = (
        client_of(chief)
        .get(reverse("points:household-points", args=[household.pk]))
        .content.decode()
    )
    assert body.split('id="balance"')[1].split("<")[0].strip(">") == "80"
    pending = body.split('id="pending-table"')[1].split("</table>")[0]
    approved = body.split('id="approved-table"')[1].split("</table>")[0]
    assert "庭院整洁" in pending and "3" in pending
    assert "庭院整洁" in approved and "5" in approved
    assert "洗衣粉" in body.split('id="household-redemptions"')[1]
    assert reverse("points:redeem", args=[shop.pk]) in body


def test_the_goods_forms(chief):
    shop = make_shop()
    c = client_of(chief)
    response = c.post(
        reverse("points:goods-create", args=[shop.pk]),
        {"name": "食用油", "price": "50", "stock": "4", "is_active": "on"},
    )
    assert response.status_code == 302
    goods = Goods.objects.get(name="食用油")
    response = c.post(
        reverse("points:goods-edit", args=[goods.pk]), {"name": "食用油", "price": "0"}
    )
    assert response.status_code == 200 and response.context["form"].errors["price"]
    c.post(reverse("points:goods-stock", args=[goods.pk]), {"mode": "restock", "quantity": "6"})
    response = c.post(
        reverse("points:goods-stock", args=[goods.pk]), {"mode": "correct", "stock": "8"}
    )
    assert response.context["form"].errors["reason"]
    c.post(
        reverse("points:goods-stock", args=[goods.pk]),
        {"mode": "correct", "stock": "8", "reason": "盘点少两桶"},
    )
    goods.refresh_from_db()
    assert goods.stock == 8 and goods.price == Decimal("50")
    assert AuditEntry.objects.filter(action="points_goods.correct_stock").count() == 1


def test_opening_a_shop_and_naming_its_keepers(chief, worker):
    c = client_of(chief)
    response = c.post(reverse("points:shop-create"), {"village_code": VILLAGE, "name": "新超市"})
    shop = Shop.objects.get(name="新超市")
    assert response["Location"] == reverse("points:shop-edit", args=[shop.pk])
    form = c.get(response["Location"]).context["form"]
    assert str(worker.pk) in dict(form.fields["keeper_ids"].choices)
    c.post(response["Location"], {"name": "新超市", "keeper_ids": [worker.pk], "is_active": "on"})
    assert list(shop.keepers.all()) == [worker]


# --- every persona --------------------------------------------------------------------------

# Who reaches the own side (南门社区) and the foreign side (another town's village).
SEES = {
    "county": (True, True),
    "town": (True, False),
    "chief": (True, False),
    "worker": (True, False),
    "outsider": (False, True),
}
MANAGES_OWN = {"county": True, "town": True, "chief": True, "worker": False, "outsider": False}


def test_every_persona_sees_the_shop_pages_of_their_scope(personas):
    own_household = make_household(points="100")
    foreign_household = make_household(unit=OTHER_UNIT, number="外1", head="王五", points="100")
    own_shop, foreign_shop = make_shop(), make_shop(village=OTHER_VILLAGE, name="外村超市")
    own_goods, foreign_goods = make_goods(own_shop), make_goods(foreign_shop, name="外村酱油")
    from yiwang.points.services import shop as services

    redemptions = {
        "own": services.redeem(
            personas["county"],
            uuid=uuid.uuid4(),
            household=own_household,
            goods=own_goods,
            quantity=1,
        )[0],
        "foreign": services.redeem(
            personas["county"],
            uuid=uuid.uuid4(),
            household=foreign_household,
            goods=foreign_goods,
            quantity=1,
        )[0],
    }
    rows = {
        "own": (own_shop, own_goods, own_household),
        "foreign": (foreign_shop, foreign_goods, foreign_household),
    }
    for who, user in personas.items():
        c = client_of(user)
        listing = c.get(reverse("points:shops")).content.decode()
        for side, sees in zip(("own", "foreign"), SEES[who], strict=True):
            shop, goods, household = rows[side]
            expected = 200 if sees else 404
            for url in (
                reverse("points:shop", args=[shop.pk]),
                reverse("points:household-points", args=[household.pk]),
                reverse("points:redemption", args=[redemptions[side].pk]),
                reverse("api:points-shop-detail", args=[shop.pk]),
                reverse("api:points-goods-detail", args=[goods.pk]),
                reverse("api:points-redemption-detail", args=[redemptions[side].pk]),
                reverse("api:points-balance-list") + f"?household={household.pk}",
            ):
                assert c.get(url).status_code == expected, (who, side, url)
            assert (shop.name in listing) == sees, (who, side)
        manage = c.get(reverse("points:goods-edit", args=[own_goods.pk])).status_code
        assert manage == (200 if MANAGES_OWN[who] else 403 if SEES[who][0] else 404), who
        redeem_page = c.get(reverse("points:redeem", args=[own_shop.pk])).status_code
        assert redeem_page == (200 if SEES[who][0] else 404), who


def test_the_month_on_the_shop_page_is_the_current_one(chief):
    """A redemption of last month is not in this month's table."""
    household = make_household(points="100")
    shop = make_shop()
    goods = make_goods(shop)
    from yiwang.points.services import shop as services

    old, _created = services.redeem(
        chief, uuid=uuid.uuid4(), household=household, goods=goods, quantity=1
    )
    Redemption.objects.filter(pk=old.pk).update(
        created_at=timezone.now().replace(day=1) - datetime.timedelta(days=2)
    )
    response = client_of(chief).get(reverse("points:shop", args=[shop.pk]))
    assert response.context["month"].count == 0
