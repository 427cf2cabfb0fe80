"""Scope checks of the points routes: shop.

Each takes tests/test_routes_scope.py's `world`: the viewer is the grid chief of 南门社区
(`client`); the foreign rows lie in the outsider's village of another town. `seed` adds
on both sides a shop with goods, points for the household and a redemption (the foreign
shop kept by the outsider). A foreign row is not found (404) by a page, an API detail or
a write, and nothing changes; lists show the own rows and none of the foreign.
"""

import json
import uuid
from decimal import Decimal

from django.urls import reverse

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.points.models import Goods, PointsAccount, Redemption, Shop
from yiwang.points.services import accounts
from yiwang.points.services import shop as services

JSON = "application/json"
# Every own row is named with OWN, every foreign one with FOREIGN.
OWN, FOREIGN = "本村", "外镇"


def seed(w) -> dict:
    """The own and the foreign shop, goods, points and redemption, made once per test."""
    if "shop" in w:
        return w["shop"]
    rows = {}
    sides = [
        ("own", OWN, VILLAGE, w["own_household"], None),
        ("foreign", FOREIGN, OTHER_VILLAGE, w["foreign_household"], w["foreign_user"]),
    ]
    for side, mark, village, household, keeper in sides:
        shop = services.create_shop(
            actor=None,
            village_code=village,
            name=f"{mark}积分超市",
            keeper_ids=[keeper.pk] if keeper else [],
        )
        goods = services.add_goods(
            actor=None, shop_id=shop.pk, name=f"{mark}洗衣粉", price="10", stock=20
        )
        accounts.credit(household, Decimal("100"))
        redemption, _created = services.redeem(
            w["own_user"] if side == "own" else w["foreign_user"],
            uuid=uuid.uuid4(),
            household=household.pk,
            goods=goods.pk,
            quantity=1,
        )
        rows.update(
            {
                f"{side}_shop": shop,
                f"{side}_goods": goods,
                f"{side}_redemption": redemption,
                f"{side}_household": household,
            }
        )
    w["shop"] = rows
    return rows


def page_arguments(w) -> dict:
    """The own rows' ids, for the pages walked by tests/test_pages_zh_hans.py."""
    rows = seed(w)
    return {
        "shop_id": rows["own_shop"].pk,
        "goods_id": rows["own_goods"].pk,
        "redemption_id": rows["own_redemption"].pk,
    }


def unchanged(w):
    """Everything of the shop a write could change."""
    return (
        list(Shop.objects.order_by("id").values_list("id", "name", "is_active", "area_code")),
        list(Goods.objects.order_by("id").values_list("id", "name", "price", "stock", "is_active")),
        list(PointsAccount.objects.order_by("pk").values_list("pk", "earned", "spent")),
        Redemption.objects.count(),
    )


def _pk(side, kind):
    return lambda w: seed(w)[f"{side}_{kind}"].pk


def _shows_nothing_foreign(body: str, name: str) -> None:
    assert FOREIGN not in body and "王五" not in body, f"{name} shows a foreign row"


def _page(name, kind, data=None):
    """The own row's page opens; the foreign's is not found by GET, nor by POST, which
    changes nothing."""

    def check(w):
        c = w["client"]
        own = c.get(reverse(name, args=[_pk("own", kind)(w)]))
        assert own.status_code == 200, (name, own.status_code)
        _shows_nothing_foreign(own.content.decode(), name)
        assert c.get(reverse(name, args=[_pk("foreign", kind)(w)])).status_code == 404
        if data is not None:
            before = unchanged(w)
            response = c.post(reverse(name, args=[_pk("foreign", kind)(w)]), data(w))
            assert response.status_code == 404, (name, response.status_code)
            assert unchanged(w) == before

    return check


def shop_list(w):
    seed(w)
    response = w["client"].get(reverse("points:shops"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"{OWN}积分超市" in body
    _shows_nothing_foreign(body, "points:shops")


def shop_create(w):
    """The form opens; a shop in the foreign village is not found and not made."""
    seed(w)
    c = w["client"]
    assert c.get(reverse("points:shop-create")).status_code == 200
    before = unchanged(w)
    response = c.post(
        reverse("points:shop-create"), {"village_code": OTHER_VILLAGE, "name": "越界超市"}
    )
    assert response.status_code == 404
    assert unchanged(w) == before


def redeem_page(w):
    """The own shop's page finds the own household, not the foreign one by name or id;
    the foreign shop's page is not found; a redemption there changes nothing."""
    rows = seed(w)
    c = w["client"]
    url = reverse("points:redeem", args=[rows["own_shop"].pk])
    found = c.get(url, {"q": "张三"}).content.decode()
    assert rows["own_household"].number in found
    hits = c.get(url, {"q": "王五"}).content.decode().split('id="household-hits"')[1]
    _shows_nothing_foreign(hits, "points:redeem")
    assert rows["foreign_household"].number not in hits
    assert c.get(url, {"household": rows["foreign_household"].pk}).status_code == 404
    before = unchanged(w)
    post = {"uuid": str(uuid.uuid4()), "goods": rows["own_goods"].pk, "quantity": "1"}
    response = c.post(f"{url}?household={rows['foreign_household'].pk}", post)
    assert response.status_code == 404
    foreign_url = reverse("points:redeem", args=[rows["foreign_shop"].pk])
    assert c.get(foreign_url).status_code == 404
    response = c.post(
        f"{foreign_url}?household={rows['foreign_household'].pk}",
        {**post, "goods": rows["foreign_goods"].pk},
    )
    assert response.status_code == 404
    assert unchanged(w) == before


def _results(response) -> list[dict]:
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def _api_list(name, kind):
    def check(w):
        seed(w)
        response = w["client"].get(reverse(name))
        assert response.status_code == 200
        ids = {row["id"] for row in _results(response)}
        assert _pk("own", kind)(w) in ids and _pk("foreign", kind)(w) not in ids

    return check


def _api_detail(name, kind):
    def check(w):
        c = w["client"]
        assert c.get(reverse(name, args=[_pk("own", kind)(w)])).status_code == 200
        assert c.get(reverse(name, args=[_pk("foreign", kind)(w)])).status_code == 404

    return check


def balance(w):
    rows = seed(w)
    c, url = w["client"], reverse("api:points-balance-list")
    assert c.get(url, {"household": rows["own_household"].pk}).json() == {"balance": 90, "owed": 0}
    assert c.get(url, {"household": rows["foreign_household"].pk}).status_code == 404


def redemption_post(w):
    """The foreign household, or the foreign goods, are not found: nothing changes."""
    rows = seed(w)
    c, url = w["client"], reverse("api:points-redemption-list")
    before = unchanged(w)
    for household, goods in (
        (rows["foreign_household"], rows["own_goods"]),
        (rows["own_household"], rows["foreign_goods"]),
        (rows["foreign_household"], rows["foreign_goods"]),
    ):
        body = {
            "uuid": str(uuid.uuid4()),
            "household": household.pk,
            "goods": goods.pk,
            "quantity": 1,
        }
        response = c.post(url, json.dumps(body), content_type=JSON)
        assert response.status_code == 404, response.content[:300]
    assert unchanged(w) == before


def _goods_form(w):
    return {"name": "越界", "price": "1", "is_active": "on"}


CHECKS: dict = {
    "points:shops": shop_list,
    "points:shop-create": shop_create,
    "points:shop": _page("points:shop", "shop"),
    "points:shop-edit": _page("points:shop-edit", "shop", lambda w: {"name": "越界"}),
    "points:goods-create": lambda w: _page(
        "points:goods-create", "shop", lambda w: {**_goods_form(w), "stock": "1"}
    )(w),
    "points:goods-edit": _page("points:goods-edit", "goods", _goods_form),
    "points:goods-stock": _page(
        "points:goods-stock", "goods", lambda w: {"mode": "restock", "quantity": "5"}
    ),
    "points:redeem": redeem_page,
    "points:redemption": _page("points:redemption", "redemption"),
    "points:household-points": _page("points:household-points", "household"),
    "api:points-shop-list GET": _api_list("api:points-shop-list", "shop"),
    "api:points-shop-detail GET": _api_detail("api:points-shop-detail", "shop"),
    "api:points-goods-list GET": _api_list("api:points-goods-list", "goods"),
    "api:points-goods-detail GET": _api_detail("api:points-goods-detail", "goods"),
    "api:points-balance-list GET": balance,
    "api:points-redemption-list GET": _api_list("api:points-redemption-list", "redemption"),
    "api:points-redemption-list POST": redemption_post,
    "api:points-redemption-detail GET": _api_detail("api:points-redemption-detail", "redemption"),
}
PUBLIC: set = set()
