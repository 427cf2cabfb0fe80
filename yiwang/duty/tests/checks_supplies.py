"""Scope checks of the supplies routes, for the route walk of tests/test_routes_scope.py
(which adds them to its CHECKS), and the page arguments of tests/test_pages_zh_hans.py.

The world's viewer, the grid chief of 南门社区, runs the village's store (kept by the
village's grid worker); the foreign store lies in another town (kept by the outsider).
The foreign store, its moves and its signature are not found (404) by a page, an API
detail or a write, and nothing changes; lists and "where it went" show the own rows and
none of the foreign."""

from __future__ import annotations

import json

from django.urls import reverse

from conftest import OTHER_VILLAGE, VILLAGE
from yiwang.duty.models import Good, Stock, StockMove, Store
from yiwang.duty.services import supplies as services

JSON = "application/json"
OWN_PLACE = "本村安置点"
FOREIGN_PLACE = "外镇安置点"


def _png() -> str:
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (40, 20), 255).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def seed(w) -> dict:
    """The own and the foreign store, each with goods received and one signed hand-out;
    once a test."""
    if "supplies" in w:
        return w["supplies"]
    good = services.create_good(actor=None, name="防汛编织袋", unit="条")
    rows = {"good": good}
    for side, code, keeper, place in [
        ("own", VILLAGE, w["own_user"], OWN_PLACE),
        ("foreign", OTHER_VILLAGE, w["foreign_user"], FOREIGN_PLACE),
    ]:
        store = services.create_store(
            actor=None,
            area_code=code,
            name=f"{side}物资点",
            kind="store",
            keeper_id=keeper.pk,
        )
        services.receive(actor=None, store_id=store.pk, good_id=good.pk, quantity=10)
        move, _created = services.hand_out(
            actor=None,
            store_id=store.pk,
            good_id=good.pk,
            quantity=2,
            to_place=place,
            receiver_name=f"{side}领取人",
            signature=_png(),
        )
        rows[side] = store
        rows[f"{side}_move"] = move
    w["supplies"] = rows
    return rows


def page_arguments(w) -> dict:
    rows = seed(w)
    return {
        "store_id": rows["own"].pk,
        "good_id": rows["good"].pk,
        "stock_move_id": rows["own_move"].pk,
    }


def unchanged(w):
    return (
        list(Store.objects.order_by("id").values_list("id", "name", "keeper_id", "is_active")),
        list(Good.objects.order_by("id").values_list("id", "name")),
        list(Stock.objects.order_by("id").values_list("id", "quantity")),
        StockMove.objects.count(),
    )


def stores_page(w):
    rows = seed(w)
    body = w["client"].get(reverse("duty:stores")).content.decode()
    assert rows["own"].name in body and rows["foreign"].name not in body
    assert OTHER_VILLAGE not in body


def store_page(name):
    def check(w):
        rows = seed(w)
        assert w["client"].get(reverse(name, args=[rows["own"].pk])).status_code == 200
        assert w["client"].get(reverse(name, args=[rows["foreign"].pk])).status_code == 404

    return check


def store_write(name, data):
    def check(w):
        rows = seed(w)
        store_page(name)(w)
        before = unchanged(w)
        sent = w["client"].post(
            reverse(name, args=[rows["foreign"].pk]), {"good_id": rows["good"].pk, **data}
        )
        assert sent.status_code == 404
        assert unchanged(w) == before

    return check


def store_count(w):
    """Counting the stock again is the keepers' of the store: another town's store is
    not found, and nothing changes."""
    rows = seed(w)
    before = unchanged(w)
    sent = w["client"].post(
        reverse("duty:store-count", args=[rows["foreign"].pk]),
        {"good_id": rows["good"].pk, "counted": "0", "note": "x", "confirm": "on"},
    )
    assert sent.status_code == 404
    assert unchanged(w) == before


def store_create(w):
    seed(w)
    url = reverse("duty:store-create")
    page = w["client"].get(url)
    assert page.status_code == 200 and OTHER_VILLAGE not in page.content.decode()
    before = unchanged(w)
    sent = w["client"].post(url, {"area_code": OTHER_VILLAGE, "name": "外镇仓库", "kind": "store"})
    assert sent.status_code == 400  # not among the form's areas
    assert unchanged(w) == before


def good_create(w):
    seed(w)
    url = reverse("duty:good-create")
    assert w["client"].get(url).status_code == 200
    before = unchanged(w)
    assert w["client"].post(url, {"name": "防汛编织袋", "unit": "条"}).status_code == 400
    assert unchanged(w) == before


def good_page(w):
    rows = seed(w)
    body = w["client"].get(reverse("duty:good", args=[rows["good"].pk])).content.decode()
    assert OWN_PLACE in body and FOREIGN_PLACE not in body


def signature(w):
    rows = seed(w)
    own = reverse("duty:move-signature", args=[rows["own_move"].pk])
    foreign = reverse("duty:move-signature", args=[rows["foreign_move"].pk])
    assert w["client"].get(own).status_code == 200
    assert w["client"].get(foreign).status_code == 404


def api_list(url, own, foreign):
    def check(w):
        rows = seed(w)
        listed = json.dumps(w["client"].get(url).json()["results"], ensure_ascii=False)
        assert own(rows) in listed and foreign(rows) not in listed

    return check


def api_detail(url, own, foreign):
    def check(w):
        rows = seed(w)
        assert w["client"].get(url.format(own(rows))).status_code == 200
        assert w["client"].get(url.format(foreign(rows))).status_code == 404

    return check


def goods_api(detail: bool):
    def check(w):
        rows = seed(w)
        if detail:
            assert w["client"].get(f"/api/v1/goods/{rows['good'].pk}/").status_code == 200
        else:
            names = [g["name"] for g in w["client"].get("/api/v1/goods/").json()["results"]]
            assert rows["good"].name in names

    return check


def api_move_create(w):
    rows = seed(w)
    before = unchanged(w)
    for body in (
        {"kind": "received", "store": rows["foreign"].pk, "good": rows["good"].pk, "quantity": 1},
        {
            "kind": "handed_out",
            "store": rows["foreign"].pk,
            "good": rows["good"].pk,
            "quantity": 1,
            "to_place": "x",
        },
        {  # into the foreign store from the own one
            "kind": "handed_out",
            "store": rows["own"].pk,
            "good": rows["good"].pk,
            "quantity": 1,
            "to_store": rows["foreign"].pk,
        },
    ):
        sent = w["client"].post("/api/v1/stock-moves/", json.dumps(body), content_type=JSON)
        assert sent.status_code == 404, sent.content[:300]
    assert unchanged(w) == before


def _store_name(side):
    return lambda rows: f'"{rows[side].name}"'


def _place(side):
    return lambda rows: rows[f"{side}_move"].to_place


CHECKS = {
    "duty:stores": stores_page,
    "duty:store": store_page("duty:store"),
    "duty:store-receive": store_write("duty:store-receive", {"quantity": "1"}),
    "duty:store-hand-out": store_write("duty:store-hand-out", {"quantity": "1", "to_place": "x"}),
    "duty:store-create": store_create,
    "duty:store-count": store_count,
    "duty:good-create": good_create,
    "duty:good": good_page,
    "duty:move-signature": signature,
    "api:duty-store-list GET": api_list(
        "/api/v1/stores/", _store_name("own"), _store_name("foreign")
    ),
    "api:duty-store-detail GET": api_detail(
        "/api/v1/stores/{}/", lambda r: r["own"].pk, lambda r: r["foreign"].pk
    ),
    "api:duty-good-list GET": goods_api(detail=False),
    "api:duty-good-detail GET": goods_api(detail=True),
    "api:duty-stock-list GET": api_list(
        "/api/v1/stock/", _store_name("own"), _store_name("foreign")
    ),
    "api:duty-stock-detail GET": api_detail(
        "/api/v1/stock/{}/",
        lambda r: Stock.objects.get(store=r["own"]).pk,
        lambda r: Stock.objects.get(store=r["foreign"]).pk,
    ),
    "api:duty-stock-move-list GET": api_list(
        "/api/v1/stock-moves/", _place("own"), _place("foreign")
    ),
    "api:duty-stock-move-list POST": api_move_create,
    "api:duty-stock-move-detail GET": api_detail(
        "/api/v1/stock-moves/{}/", lambda r: r["own_move"].pk, lambda r: r["foreign_move"].pk
    ),
}
