"""A micro-wish claimed and fulfilled on a phone (360×640) in Chromium: the grid worker
opens the wish's page, claims it for a volunteer (the public wall then shows it claimed,
the person masked), fulfils it with a photo taken on the phone (a PNG) and the
recipient's confirmation; the wish shows fulfilled with the photo's thumbnail. No console
error, no CSP violation."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from yiwang.volunteering import services
from yiwang.volunteering.models import Wish, WishClaim, WishPhoto, WishStatus
from yiwang.volunteering.tests.activity_setup import make_resident

from .conftest import assert_clean, log_in, wait_for_request_threads, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def test_a_wish_is_claimed_for_a_volunteer_and_fulfilled_with_a_photo(
    open_page, console, live_server, worker
):
    recipient = make_resident(number="401", name="王小明")
    helper = services.register_volunteer(
        None, resident=make_resident(number="402", name="刘志愿").pk, consent=True
    )
    wish = services.record_wish(worker, recipient=recipient.pk, title="一张书桌", value="180")
    base = live_server.url
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Asia/Shanghai")
    log_in(page, base, worker.username)

    # The wish's page: claimed for the volunteer.
    page.goto(f"{base}/volunteering/wishes/")
    page.locator(f"#wish-{wish.pk}").tap()
    expect(page.locator("#wish-title")).to_contain_text("一张书桌")
    expect(page.locator("#wish-person")).to_have_text("王*明")
    page.select_option("#id_kind", "volunteer")
    page.fill("#volunteer-q", "刘志愿")
    page.press("#volunteer-q", "Enter")
    page.locator("#volunteer-hits a", has_text="刘志愿").tap()
    expect(page.locator("#claim-volunteer-chosen")).to_contain_text("刘志愿")
    page.locator("#claim-submit").tap()
    expect(page.locator("#wish-claimer")).to_contain_text("刘*愿")
    expect(page.locator("#wish-status")).to_have_text("已认领")

    # The public wall: the wish and its village, the person masked.
    wall = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    wall.goto(f"{base}/public/wishes/")
    card = wall.locator(f"#wall-{wish.number}")
    expect(card).to_contain_text("一张书桌")
    expect(card).to_contain_text("王*明")
    expect(card).to_contain_text("南门社区")
    assert "王小明" not in wall.content()

    # Fulfilled with a photo from the phone and the recipient's confirmation.
    page.set_input_files(
        "#wish-photo-files", files=[{"name": "desk.png", "mimeType": "image/png", "buffer": png()}]
    )
    page.fill("#id_confirmed_by", "王大明")
    page.locator("#fulfil-form button[type=submit]").tap()
    expect(page.locator("#wish-status")).to_have_text("已实现")
    thumbnail = page.locator("#wish-photos img").first
    expect(thumbnail).to_be_visible()
    wait_until(
        page, "(img) => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    page.wait_for_load_state("networkidle")
    wait_for_request_threads()
    wish.refresh_from_db()
    assert wish.status == WishStatus.FULFILLED and wish.confirmed_by_recipient == "王大明"
    assert WishClaim.objects.get(wish=wish).volunteer_id == helper.pk
    assert WishPhoto.objects.filter(wish=wish).count() == 1
    assert Wish.objects.count() == 1

    assert_clean(page, console)
    assert_clean(wall, console)
