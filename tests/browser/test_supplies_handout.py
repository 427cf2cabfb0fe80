"""A grid worker who keeps the village's supply point hands out goods to a household on a
phone (360×640) in Chromium: from the menu's supplies page to the store, the hand-out
form, the receiver's signature drawn with a finger on the canvas, no horizontal overflow;
the move is stored with the signature as a PNG, the stock taken, and the store's page
shows it. No console error, no CSP violation."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from conftest import VILLAGE
from yiwang.duty.models import MoveKind, StockMove
from yiwang.duty.services import supplies as services
from yiwang.registry.services import create_household

from .conftest import assert_clean, log_in, wait_for_request_threads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_worker_hands_out_goods_signed_on_the_phone(open_page, console, live_server, worker):
    from conftest import UNIT

    store = services.create_store(
        actor=None, area_code=VILLAGE, name="南门社区物资点", kind="shelter", keeper_id=worker.pk
    )
    good = services.create_good(actor=None, name="矿泉水", unit="箱")
    services.receive(actor=None, store_id=store.pk, good_id=good.pk, quantity=6)
    home = create_household(actor=None, unit_code=UNIT, number="001", address="南门社区1号")
    base = live_server.url

    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Asia/Shanghai")
    log_in(phone, base, worker.username)
    phone.goto(f"{base}/duty/stores/")
    expect(phone.locator(f"#store-{store.pk}")).to_contain_text("矿泉水")
    phone.locator(f"#store-{store.pk} a").first.click()
    phone.locator("#store-hand-out").click()

    expect(phone.locator("#handout-form")).to_be_visible()
    assert no_horizontal_overflow(phone)
    phone.select_option("#id_good_id", str(good.pk))
    phone.fill("#id_quantity", "2")
    # The household found by its address (one match is taken as it is).
    phone.fill("#id_household", home.address)
    phone.fill("#id_receiver_name", "张三")
    pad = phone.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # The drawing buffer follows the canvas's width on screen.
    assert phone.evaluate(
        "(() => { const c = document.querySelector('#signature-pad');"
        " return c.width >= c.clientWidth && c.clientWidth > 300; })()"
    )
    x, y = box["x"], box["y"]
    phone.mouse.move(x + 20, y + 100)
    phone.mouse.down()
    for step in range(1, 12):
        phone.mouse.move(x + 20 + step * 20, y + 100 - (step % 3) * 25)
    phone.mouse.up()
    phone.locator("#handout-form button[type=submit]").click()

    expect(phone.locator("#store-moves")).to_contain_text("张三")
    expect(phone.locator("#store-stock")).to_contain_text("4")
    assert no_horizontal_overflow(phone)
    wait_for_request_threads()
    move = StockMove.objects.get(kind=MoveKind.HANDED_OUT)
    assert (move.to_household_id, move.quantity, move.actor_id) == (home.pk, 2, worker.pk)
    with move.signature.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert image.format == "PNG"
        assert image.convert("RGBA").getchannel("A").getbbox() is not None  # something drawn
    expect(phone.locator(f"#move-{move.pk} img.signature-thumb")).to_be_visible()
    assert services.stock_left(store.pk, good.pk) == 4

    assert_clean(phone, console)
