"""The supplies API: a move POSTed with its uuid is stored once (201, then 200), a hand-out
over the stock answers 409 with the message and changes nothing, the lists are scoped."""

import json
import uuid

import pytest
from rest_framework.test import APIClient

from conftest import TOWN, VILLAGE
from yiwang.duty.models import Stock, StockMove
from yiwang.duty.services import supplies as services

from .test_supplies import make_good, make_household, make_store, png_data_url, state

pytestmark = pytest.mark.django_db
MOVES = "/api/v1/stock-moves/"


def client_of(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def rows(tree):
    return {"store": make_store(), "good": make_good()}


def test_a_receipt_posted_twice_is_stored_once(town_admin, rows):
    client = client_of(town_admin)
    body = {
        "uuid": str(uuid.uuid4()),
        "kind": "received",
        "store": rows["store"].pk,
        "good": rows["good"].pk,
        "quantity": 12,
        "source": "县应急管理局",
    }
    first = client.post(MOVES, body, format="json")
    again = client.post(MOVES, body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["kind"] == "received"
    assert StockMove.objects.count() == 1
    assert Stock.objects.get().quantity == 12


def test_a_hand_out_over_the_stock_answers_409_with_the_message(town_admin, rows):
    services.receive(
        actor=town_admin, store_id=rows["store"].pk, good_id=rows["good"].pk, quantity=3
    )
    client = client_of(town_admin)
    home = make_household()
    body = {
        "uuid": str(uuid.uuid4()),
        "kind": "handed_out",
        "store": rows["store"].pk,
        "good": rows["good"].pk,
        "quantity": 4,
        "household": home.pk,
        "receiver_name": "张三",
        "signature": png_data_url(),
    }
    before = state()

    short = client.post(MOVES, body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert short.status_code == 409
    answer = short.json()
    assert "库存不足" in answer["detail"] and "3" in answer["detail"]
    assert answer["quantity"] == [answer["detail"]]
    assert state() == before
    done = client.post(MOVES, {**body, "quantity": 3}, format="json")
    assert done.status_code == 201 and done.json()["has_signature"] is True
    assert Stock.objects.get().quantity == 0


def test_a_transfer_and_bad_input(town_admin, rows):
    point = make_store(area_code=VILLAGE, name="南门社区隔离点", kind="isolation")
    services.receive(
        actor=town_admin, store_id=rows["store"].pk, good_id=rows["good"].pk, quantity=9
    )
    client = client_of(town_admin)
    base = {"kind": "handed_out", "store": rows["store"].pk, "good": rows["good"].pk}
    moved = client.post(MOVES, {**base, "quantity": 4, "to_store": point.pk}, format="json")
    assert moved.status_code == 201 and moved.json()["kind"] == "transferred"
    stock = client.get("/api/v1/stock/", {"store": point.pk}).json()["results"]
    assert [(r["good"], r["quantity"]) for r in stock] == [(rows["good"].pk, 4)]
    before = state()
    for bad in (
        {**base, "quantity": 1},  # no recipient
        {**base, "quantity": 1, "to_place": "x", "signature": "data:image/gif;base64,R0lG"},
        {**base, "quantity": 0, "to_place": "x"},
        {**base, "kind": "adjusted", "quantity": 1, "to_place": "x"},
    ):
        answer = client.post(MOVES, json.dumps(bad), content_type="application/json")
        assert answer.status_code == 400, (bad, answer.content)
    assert state() == before


def test_the_lists_are_scoped(town_admin, chief, outsider, rows):
    village = make_store(area_code=VILLAGE, name="南门社区物资点", kind="shelter")
    for store in (rows["store"], village):
        services.receive(actor=town_admin, store_id=store.pk, good_id=rows["good"].pk, quantity=2)
    for user, names in [
        (town_admin, {rows["store"].name, village.name}),
        (chief, {village.name}),
        (outsider, set()),
    ]:
        client = client_of(user)
        stores = client.get("/api/v1/stores/").json()["results"]
        assert {s["name"] for s in stores} == names
        stock = client.get("/api/v1/stock/").json()["results"]
        assert {s["store_name"] for s in stock} == names
        moves = client.get(MOVES).json()["results"]
        assert len(moves) == len(names)
        assert client.get("/api/v1/goods/").json()["count"] == 1
    chief_client = client_of(chief)
    assert chief_client.get(f"/api/v1/stores/{rows['store'].pk}/").status_code == 404
    before = state()
    refused = chief_client.post(
        MOVES,
        {"kind": "received", "store": rows["store"].pk, "good": rows["good"].pk, "quantity": 1},
        format="json",
    )
    assert refused.status_code == 404 and state() == before
    assert rows["store"].area_code == TOWN
