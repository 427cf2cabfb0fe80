"""Supplies: goods received and handed out, never below the stock, each move stored once
whatever the phone resends, sent on to another store, followed to where it went, signed
on the phone; and who may do and see what."""

import base64
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation
from PIL import Image, ImageDraw

from conftest import TOWN, UNIT, VILLAGE
from yiwang.core.models import AuditEntry
from yiwang.duty.models import MoveKind, Stock, StockMove
from yiwang.duty.selectors import supplies as selectors
from yiwang.duty.services import supplies as services

pytestmark = pytest.mark.django_db


def make_store(area_code=TOWN, name="中都街道防汛物资仓库", kind="store", keeper=None):
    return services.create_store(
        actor=None,
        area_code=area_code,
        name=name,
        kind=kind,
        address="中都大街1号",
        keeper_id=keeper.pk if keeper else None,
    )


def make_good(name="矿泉水", unit="箱", category="生活物资"):
    return services.create_good(actor=None, name=name, unit=unit, category=category)


def make_household(number="001", unit=UNIT, address="南门社区1号"):
    from yiwang.registry.services import create_household

    return create_household(actor=None, unit_code=unit, number=number, address=address)


def png_data_url(size=(240, 90)) -> str:
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 60), (80, 20), (200, 70)], fill=(0, 0, 0, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def stock_of(store, good) -> int:
    return services.stock_left(store.pk, good.pk)


def state():
    """Everything a refused write must leave as it was."""
    return (
        sorted(Stock.objects.values_list("store_id", "good_id", "quantity")),
        StockMove.objects.count(),
        AuditEntry.objects.filter(action__startswith="duty_stock.").count(),
    )


@pytest.fixture
def goods(tree):
    return make_good()


@pytest.fixture
def town_store(tree):
    return make_store()


def test_goods_received_then_handed_out_to_a_household(town_admin, town_store, goods):
    home = make_household()
    received, created = services.receive(
        actor=town_admin, store_id=town_store.pk, good_id=goods.pk, quantity=10, source="县应急局"
    )
    assert created and received.kind == MoveKind.RECEIVED and stock_of(town_store, goods) == 10

    move, created = services.hand_out(
        actor=town_admin,
        store_id=town_store.pk,
        good_id=goods.pk,
        quantity=3,
        household_id=home.pk,
        receiver_name="张三",
    )

    assert created and move.kind == MoveKind.HANDED_OUT
    assert (move.to_household_id, move.receiver_name, move.actor_id) == (
        home.pk,
        "张三",
        town_admin.pk,
    )
    assert stock_of(town_store, goods) == 7
    actions = list(
        AuditEntry.objects.filter(action__startswith="duty_stock.").values_list(
            "action", "area_code"
        )
    )
    assert sorted(actions) == [("duty_stock.hand_out", TOWN), ("duty_stock.receive", TOWN)]


def test_a_hand_out_over_the_stock_is_refused_with_the_stock_left(town_admin, town_store, goods):
    services.receive(actor=town_admin, store_id=town_store.pk, good_id=goods.pk, quantity=7)
    before = state()

    with pytest.raises(services.ShortStock) as refused:
        services.hand_out(
            actor=town_admin,
            store_id=town_store.pk,
            good_id=goods.pk,
            quantity=8,
            to_place="南门隔离点",
            signature=png_data_url(),
        )

    assert isinstance(refused.value, ValidationError)
    [message] = refused.value.message_dict["quantity"]
    assert "7" in message and "8" in message and town_store.name in message
    assert state() == before
    with translation.override("zh-hans"), pytest.raises(services.ShortStock) as chinese:
        services.hand_out(
            actor=town_admin,
            store_id=town_store.pk,
            good_id=goods.pk,
            quantity=8,
            to_place="南门隔离点",
        )
    assert "库存不足" in chinese.value.messages[0] and "7" in chinese.value.messages[0]
    assert state() == before


def test_the_same_move_sent_twice_is_stored_once(town_admin, town_store, goods):
    key, out_key = uuid.uuid4(), uuid.uuid4()
    first, created = services.receive(
        actor=town_admin, store_id=town_store.pk, good_id=goods.pk, quantity=5, uuid=key
    )
    again, created_again = services.receive(
        actor=town_admin, store_id=town_store.pk, good_id=goods.pk, quantity=5, uuid=str(key)
    )
    assert created and not created_again and again.pk == first.pk
    assert stock_of(town_store, goods) == 5

    sent = dict(
        actor=town_admin,
        store_id=town_store.pk,
        good_id=goods.pk,
        quantity=5,
        to_place="南门隔离点",
        uuid=out_key,
    )
    out, created = services.hand_out(**sent)
    # Sent again after it emptied the stock: still the stored move, nothing taken again.
    resent, created_again = services.hand_out(**sent)
    assert created and not created_again and resent.pk == out.pk
    assert stock_of(town_store, goods) == 0
    assert StockMove.objects.count() == 2

    before = state()
    with pytest.raises(ValidationError) as other:
        services.hand_out(**{**sent, "quantity": 4})
    assert "uuid" in other.value.message_dict
    assert state() == before


def test_goods_sent_to_another_store(town_admin, town_store, goods):
    point = make_store(area_code=VILLAGE, name="南门社区隔离点", kind="isolation")
    services.receive(actor=town_admin, store_id=town_store.pk, good_id=goods.pk, quantity=20)

    move, _created = services.hand_out(
        actor=town_admin,
        store_id=town_store.pk,
        good_id=goods.pk,
        quantity=12,
        to_store_id=point.pk,
    )

    assert move.kind == MoveKind.TRANSFERRED and move.to_store_id == point.pk
    assert (stock_of(town_store, goods), stock_of(point, goods)) == (8, 12)
    # The receiving store's moves show it; a second transfer adds to its stock.
    assert [m.pk for m in selectors.store_moves(town_admin, point)] == [move.pk]
    services.hand_out(
        actor=town_admin, store_id=town_store.pk, good_id=goods.pk, quantity=8, to_store_id=point.pk
    )
    assert (stock_of(town_store, goods), stock_of(point, goods)) == (0, 20)
    before = state()
    with pytest.raises(ValidationError) as same:
        services.hand_out(
            actor=town_admin,
            store_id=point.pk,
            good_id=goods.pk,
            quantity=1,
            to_store_id=point.pk,
        )
    assert "to_store" in same.value.message_dict
    with pytest.raises(ValidationError) as two:
        services.hand_out(
            actor=town_admin,
            store_id=point.pk,
            good_id=goods.pk,
            quantity=1,
            to_store_id=town_store.pk,
            to_place="另一处",
        )
    assert "recipient" in two.value.message_dict
    assert state() == before


def test_where_it_went(town_admin, town_store, goods, county_admin):
    point = make_store(area_code=VILLAGE, name="南门社区隔离点", kind="isolation")
    first, second = make_household("001"), make_household("002", address="南门社区2号")
    services.receive(actor=town_admin, store_id=town_store.pk, good_id=goods.pk, quantity=50)
    for quantity, recipient in [
        (2, {"household_id": first.pk}),
        (3, {"household_id": first.pk}),
        (4, {"household_id": second.pk}),
        (10, {"to_store_id": point.pk}),
        (6, {"to_place": "防汛抢险队"}),
    ]:
        services.hand_out(
            actor=town_admin,
            store_id=town_store.pk,
            good_id=goods.pk,
            quantity=quantity,
            **recipient,
        )
    # Goods handed out of the isolation point are followed too.
    services.hand_out(
        actor=town_admin, store_id=point.pk, good_id=goods.pk, quantity=1, household_id=second.pk
    )

    rows = selectors.where_it_went(county_admin, goods.pk)

    summary = [
        (
            r["kind"],
            r["household"].pk if r["household"] else r["to_store"].pk if r["to_store"] else "",
            r["to_place"],
            r["quantity"],
            r["moves"],
        )
        for r in rows
    ]
    assert summary == [
        ("store", point.pk, "", 10, 1),
        ("place", "", "防汛抢险队", 6, 1),
        ("household", first.pk, "", 5, 2),
        ("household", second.pk, "", 5, 2),
    ]
    # Only the isolation point's hand-outs, asked under the village.
    under = selectors.where_it_went(county_admin, goods.pk, VILLAGE)
    assert [(r["household"].pk, r["quantity"]) for r in under] == [(second.pk, 1)]


def test_the_signature_is_stored_as_a_png(town_admin, town_store, goods):
    services.receive(actor=town_admin, store_id=town_store.pk, good_id=goods.pk, quantity=5)
    move, _created = services.hand_out(
        actor=town_admin,
        store_id=town_store.pk,
        good_id=goods.pk,
        quantity=1,
        household_id=make_household().pk,
        receiver_name="张三",
        signature=png_data_url(),
    )
    move.refresh_from_db()
    with move.signature.open("rb") as stored:
        data = stored.read()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and move.signature.name.endswith(".png")
    assert Image.open(io.BytesIO(data)).size == (240, 90)


@pytest.mark.parametrize(
    "signature",
    [
        "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff\xe0JFIF").decode(),
        "data:image/png;base64,not base64!",
        "data:image/png;base64," + base64.b64encode(b"GIF89a not a png").decode(),
        "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nbroken").decode(),
        "<svg onload=alert(1)>",
    ],
)
def test_a_signature_that_is_not_a_png_is_refused(town_admin, town_store, goods, signature):
    services.receive(actor=town_admin, store_id=town_store.pk, good_id=goods.pk, quantity=5)
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.hand_out(
            actor=town_admin,
            store_id=town_store.pk,
            good_id=goods.pk,
            quantity=1,
            to_place="南门隔离点",
            signature=signature,
        )
    assert "PNG" in refused.value.message_dict["signature"][0]
    assert state() == before


def test_a_count_sets_the_stock_and_records_the_difference(town_admin, town_store, goods):
    services.receive(actor=town_admin, store_id=town_store.pk, good_id=goods.pk, quantity=10)
    move, created = services.count_stock(
        actor=town_admin, store_id=town_store.pk, good_id=goods.pk, counted=8, note="盘点少2箱"
    )
    assert created
    assert (move.kind, move.quantity, move.counted) == (MoveKind.ADJUSTED, 2, 8)
    assert stock_of(town_store, goods) == 8
    before = state()
    with pytest.raises(ValidationError):
        services.count_stock(
            actor=town_admin, store_id=town_store.pk, good_id=goods.pk, counted=8, note="再盘"
        )
    with pytest.raises(ValidationError):
        services.count_stock(
            actor=town_admin, store_id=town_store.pk, good_id=goods.pk, counted=-1, note="负数"
        )
    assert state() == before


@pytest.mark.parametrize(
    ("quantity", "field"),
    [
        (0, "quantity"),
        (-3, "quantity"),
        ("三", "quantity"),
        (True, "quantity"),
        (10**7, "quantity"),
    ],
)
def test_bad_quantities_are_refused(town_admin, town_store, goods, quantity, field):
    before = state()
    with pytest.raises(ValidationError) as refused:
        services.receive(
            actor=town_admin, store_id=town_store.pk, good_id=goods.pk, quantity=quantity
        )
    assert field in refused.value.message_dict
    assert state() == before


# --- scope: every persona ---------------------------------------------------------------


@pytest.fixture
def scope_world(town_store, goods, worker):
    village_store = make_store(
        area_code=VILLAGE, name="南门社区物资点", kind="shelter", keeper=worker
    )
    # From the command line: recorded as by the store's keeper.
    services.receive(actor=None, store_id=village_store.pk, good_id=goods.pk, quantity=10)
    return {"town": town_store, "village": village_store, "goods": goods}


def _try_hand_out(user, store, goods):
    try:
        services.hand_out(
            actor=user, store_id=store.pk, good_id=goods.pk, quantity=1, to_place="安置点"
        )
    except Http404:
        return 404
    except PermissionDenied:
        return 403
    except services.ShortStock:
        return "short"
    return "through"


def test_scope_for_every_persona(scope_world, personas):
    town, village, goods = scope_world["town"], scope_world["village"], scope_world["goods"]
    services.receive(actor=personas["county"], store_id=town.pk, good_id=goods.pk, quantity=10)
    seen = {
        who: sorted(s.name for s in selectors.visible_stores(user))
        for who, user in personas.items()
    }
    assert seen == {
        "county": sorted([town.name, village.name]),
        "town": sorted([town.name, village.name]),
        "chief": [village.name],
        "worker": [village.name],  # keeps it, though it lies above their unit
        "outsider": [],
    }
    results = {
        who: (_try_hand_out(user, town, goods), _try_hand_out(user, village, goods))
        for who, user in personas.items()
    }
    assert results == {
        "county": ("through", "through"),
        "town": ("through", "through"),
        "chief": (404, "through"),
        "worker": (404, "through"),
        "outsider": (404, 404),
    }
    assert stock_of(town, goods) == 8 and stock_of(village, goods) == 6
    # A store is opened by an admin of its area only.
    with pytest.raises(ValidationError):  # not an area of the worker's scope
        services.create_store(actor=personas["worker"], area_code=VILLAGE, name="x", kind="store")
    with pytest.raises(ValidationError):
        services.create_store(actor=personas["chief"], area_code=TOWN, name="x", kind="store")
    store = services.create_store(
        actor=personas["chief"], area_code=VILLAGE, name="南门社区二号点", kind="checkpoint"
    )
    assert store.area_code == VILLAGE
    with pytest.raises(PermissionDenied):
        services.create_good(actor=personas["worker"], name="帐篷", unit="顶")
    assert selectors.where_it_went(personas["outsider"], goods.pk) == []
    assert {r["to_place"] for r in selectors.where_it_went(personas["chief"], goods.pk)} == {
        "安置点"
    }
