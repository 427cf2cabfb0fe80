"""The stock counted again: two first counts of a good at once (no row to lock yet) both
go through, no error; the count from the store's page (confirmed, the keeper's or an
admin's) and from the API (kind adjusted, idempotent on its uuid); the hand-out page
finds any household of the store's area by its number, door number or address."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import OTHER_UNIT
from yiwang.duty.models import MoveKind, Stock, StockMove
from yiwang.duty.services import supplies as services

from .test_supplies import make_good, make_household, make_store, state


def _client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _count(user, store, good, counted):
    try:
        move, _created = services.count_stock(
            actor=type(user).objects.get(pk=user.pk),
            store_id=store.pk,
            good_id=good.pk,
            counted=counted,
            note="首次盘点",
        )
    except BaseException as exc:  # reported below, not lost in the thread
        return ("error", repr(exc))
    return ("through", move.counted)


@pytest.mark.django_db(transaction=True)
def test_two_first_counts_at_once_both_go_through(tree, town_admin, county_admin, monkeypatch):
    store, good = make_store(), make_good()
    racing = connection.vendor == "postgresql"
    met = []
    if racing:
        both_looked = threading.Barrier(2, timeout=20)
        real = Stock.objects.select_for_update

        class Looked:
            """Both counts have found no row before either makes it."""

            def __getattr__(self, name):
                return getattr(real(), name)

            def filter(self, *args, **kwargs):
                found = real().filter(*args, **kwargs)
                if len(met) < 2:
                    list(found)
                    met.append(1)
                    both_looked.wait()
                return found

        monkeypatch.setattr(Stock.objects, "select_for_update", Looked)
    serial = threading.Lock()
    results = [None, None]

    def run(i, user, counted):
        try:
            if racing:
                results[i] = _count(user, store, good, counted)
            else:
                with serial:
                    results[i] = _count(user, store, good, counted)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(0, town_admin, 8)),
        threading.Thread(target=run, args=(1, county_admin, 5)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(met) == (2 if racing else 0)
    assert [r[0] for r in results] == ["through", "through"], results
    assert Stock.objects.filter(store=store, good=good).count() == 1
    moves = list(StockMove.objects.filter(kind=MoveKind.ADJUSTED).order_by("pk"))
    assert len(moves) == 2
    assert services.stock_left(store.pk, good.pk) == moves[-1].counted
    assert moves[-1].quantity == abs(moves[-1].counted - moves[0].counted)


@pytest.mark.django_db
def test_the_count_on_the_stores_page(tree, town_admin, chief):
    keeper_store = make_store(keeper=chief)
    store, good = make_store(name="二号仓库"), make_good()
    services.receive(actor=town_admin, store_id=store.pk, good_id=good.pk, quantity=10)
    client = _client(town_admin)
    page = client.get(reverse("duty:store", args=[store.pk])).content.decode()
    assert 'id="store-count-form"' in page
    url = reverse("duty:store-count", args=[store.pk])
    values = {"count-good_id": good.pk, "count-counted": "7", "count-note": "破损3箱"}
    before = state()
    unconfirmed = client.post(url, values)
    assert unconfirmed.status_code == 400 and "count-confirm_errors" in unconfirmed.content.decode()
    same = client.post(url, {**values, "count-counted": "10", "count-confirm": "on"})
    assert same.status_code == 400 and "count-counted_errors" in same.content.decode()
    assert state() == before
    done = client.post(url, {**values, "count-confirm": "on"})
    assert done.status_code == 302
    assert services.stock_left(store.pk, good.pk) == 7
    move = StockMove.objects.get(kind=MoveKind.ADJUSTED)
    assert (move.quantity, move.counted, move.note) == (3, 7, "破损3箱")
    # The chief keeps another store: no count form here, and the post refused.
    chief_client = _client(chief)
    assert chief_client.get(reverse("duty:store", args=[keeper_store.pk])).status_code == 200
    assert (
        'id="store-count-form"'
        in chief_client.get(reverse("duty:store", args=[keeper_store.pk])).content.decode()
    )
    assert chief_client.post(url, {**values, "count-confirm": "on"}).status_code in (403, 404)
    assert services.stock_left(store.pk, good.pk) == 7


@pytest.mark.django_db
def test_the_count_through_the_api(tree, town_admin, outsider):
    store, good = make_store(), make_good()
    services.receive(actor=town_admin, store_id=store.pk, good_id=good.pk, quantity=10)
    api = APIClient()
    api.force_login(town_admin)
    body = {
        "uuid": str(uuid.uuid4()),
        "kind": "adjusted",
        "store": store.pk,
        "good": good.pk,
        "counted": 12,
        "note": "补录入库2箱",
    }
    before = state()
    for bad in ({"counted": None}, {"counted": -1}, {"note": ""}, {"counted": 10}):
        answer = api.post(
            "/api/v1/stock-moves/", {**body, **bad, "uuid": str(uuid.uuid4())}, format="json"
        )
        assert answer.status_code == 400, (bad, answer.content)
    assert state() == before
    first = api.post("/api/v1/stock-moves/", body, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["kind"] == "adjusted" and first.json()["counted"] == 12
    again = api.post("/api/v1/stock-moves/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert services.stock_left(store.pk, good.pk) == 12
    assert StockMove.objects.filter(kind=MoveKind.ADJUSTED).count() == 1
    other = APIClient()
    other.force_login(outsider)
    refused = other.post(
        "/api/v1/stock-moves/", {**body, "uuid": str(uuid.uuid4()), "counted": 1}, format="json"
    )
    assert refused.status_code in (403, 404)
    assert services.stock_left(store.pk, good.pk) == 12


@pytest.mark.django_db
def test_the_hand_out_finds_any_household_of_the_area(tree, town_admin):
    store, good = make_store(), make_good()
    services.receive(actor=town_admin, store_id=store.pk, good_id=good.pk, quantity=10)
    first = make_household(number="101", address="南门社区3号楼")
    make_household(number="102", address="南门社区4号楼")
    make_household(number="909", unit=OTHER_UNIT, address="西关村9号")
    client = _client(town_admin)
    url = reverse("duty:store-hand-out", args=[store.pk])
    values = {"good_id": good.pk, "quantity": "1"}
    before = state()
    several = client.post(url, {**values, "household": "南门社区"})
    body = several.content.decode()
    assert several.status_code == 400 and "household_errors" in body
    assert f'value="{first.pk}"' in body  # offered to choose from
    outside = client.post(url, {**values, "household": "909"})
    assert outside.status_code == 400 and "household_errors" in outside.content.decode()
    assert state() == before
    by_number = client.post(url, {**values, "household": "102"})
    assert by_number.status_code == 302
    picked = client.post(url, {**values, "household": "南门社区", "household_id": first.pk})
    assert picked.status_code == 302
    moves = StockMove.objects.filter(kind=MoveKind.HANDED_OUT).order_by("pk")
    assert [m.to_household.number for m in moves] == ["102", "101"]
    assert services.stock_left(store.pk, good.pk) == 8
