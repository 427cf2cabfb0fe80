"""The supplies pages: the stores with their stock by area, a store's moves, the receipt
form, the phone's hand-out form with its signature pad, where a kind of goods went, the
forms to open a store and add goods; each scoped."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import VILLAGE
from yiwang.duty.models import MoveKind, StockMove, Store
from yiwang.duty.services import supplies as services

from .test_supplies import make_good, make_household, make_store, png_data_url, state

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def rows(tree, town_admin):
    store, good = make_store(), make_good()
    point = make_store(area_code=VILLAGE, name="南门社区隔离点", kind="isolation")
    services.receive(actor=town_admin, store_id=store.pk, good_id=good.pk, quantity=10)
    return {"store": store, "good": good, "point": point}


def test_the_stores_page_shows_the_stock_by_area(town_admin, chief, outsider, rows):
    url = reverse("duty:stores")
    body = client_of(town_admin).get(url).content.decode()
    assert f'id="store-{rows["store"].pk}"' in body and f'id="store-{rows["point"].pk}"' in body
    assert 'data-quantity="10"' in body and "中都街道" in body and "南门社区" in body
    assert 'id="store-create"' in body
    chief_body = client_of(chief).get(url).content.decode()
    assert f'id="store-{rows["point"].pk}"' in chief_body
    assert f'id="store-{rows["store"].pk}"' not in chief_body
    outsider_page = client_of(outsider).get(url)
    assert outsider_page.status_code == 200 and "store-create" not in outsider_page.content.decode()
    assert "data-area=" not in outsider_page.content.decode()


def test_receive_then_hand_out_on_the_phone_with_a_signature(town_admin, rows):
    client = client_of(town_admin)
    store, good = rows["store"], rows["good"]
    received = client.post(
        reverse("duty:store-receive", args=[store.pk]),
        {"good_id": good.pk, "quantity": "5", "source": "县应急管理局"},
    )
    assert received.status_code == 302
    assert services.stock_left(store.pk, good.pk) == 15

    url = reverse("duty:store-hand-out", args=[store.pk])
    form = client.get(url).content.decode()
    assert "data-signature-pad" in form and "duty/signature.js" in form
    assert 'name="signature"' in form and 'name="viewport"' in form
    home = make_household()
    sent = client.post(
        url,
        {
            "good_id": good.pk,
            "quantity": "4",
            "household": home.number,
            "receiver_name": "张三",
            "signature": png_data_url(),
        },
    )
    assert sent.status_code == 302 and sent["Location"] == reverse("duty:store", args=[store.pk])
    move = StockMove.objects.get(kind=MoveKind.HANDED_OUT)
    assert move.to_household_id == home.pk and move.signature
    assert services.stock_left(store.pk, good.pk) == 11
    detail = client.get(reverse("duty:store", args=[store.pk])).content.decode()
    assert f'id="move-{move.pk}"' in detail and "张三" in detail
    picture = client.get(reverse("duty:move-signature", args=[move.pk]))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content).startswith(b"\x89PNG")


def test_a_hand_out_over_the_stock_shows_the_message(town_admin, rows):
    client = client_of(town_admin)
    before = state()
    page = client.post(
        reverse("duty:store-hand-out", args=[rows["store"].pk]),
        {"good_id": rows["good"].pk, "quantity": "11", "to_place": "南门隔离点"},
    )
    assert page.status_code == 400
    body = page.content.decode()
    assert "库存不足" in body and "10" in body
    assert state() == before
    not_png = client.post(
        reverse("duty:store-hand-out", args=[rows["store"].pk]),
        {
            "good_id": rows["good"].pk,
            "quantity": "1",
            "to_place": "南门隔离点",
            "signature": "data:image/svg+xml;base64,PHN2Zz4=",
        },
    )
    assert not_png.status_code == 400 and "PNG" in not_png.content.decode()
    assert state() == before


def test_where_it_went(town_admin, outsider, rows):
    services.hand_out(
        actor=town_admin,
        store_id=rows["store"].pk,
        good_id=rows["good"].pk,
        quantity=3,
        to_store_id=rows["point"].pk,
    )
    url = reverse("duty:good", args=[rows["good"].pk])
    body = client_of(town_admin).get(url).content.decode()
    assert 'data-recipient="store"' in body and 'data-total="3"' in body
    assert rows["point"].name in body
    other = client_of(outsider).get(url).content.decode()
    assert 'data-total="0"' in other and rows["point"].name not in other


def test_opening_a_store_and_adding_goods(chief, worker):
    client = client_of(chief)
    opened = client.post(
        reverse("duty:store-create"),
        {"area_code": VILLAGE, "name": "南门社区避险点", "kind": "shelter", "address": ""},
    )
    assert opened.status_code == 302
    assert Store.objects.get(name="南门社区避险点").area_code == VILLAGE
    added = client.post(reverse("duty:good-create"), {"name": "帐篷", "unit": "顶"})
    assert added.status_code == 302
    assert client_of(worker).get(reverse("duty:store-create")).status_code == 403
    assert client_of(worker).get(reverse("duty:good-create")).status_code == 403


def test_pages_of_stores_out_of_sight_are_not_found(chief, worker, rows):
    store = rows["store"]
    for name in ("duty:store", "duty:store-receive", "duty:store-hand-out"):
        assert client_of(chief).get(reverse(name, args=[store.pk])).status_code == 404
    # The worker sees the village's isolation point only once they keep it.
    point = rows["point"]
    assert client_of(worker).get(reverse("duty:store", args=[point.pk])).status_code == 404
    Store.objects.filter(pk=point.pk).update(keeper=worker)
    assert client_of(worker).get(reverse("duty:store-hand-out", args=[point.pk])).status_code == 200
    # The chief sees it, but a village store a keeper keeps is the chief's to run too.
    assert client_of(chief).get(reverse("duty:store-receive", args=[point.pk])).status_code == 200
