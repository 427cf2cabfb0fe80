"""A village worker takes a help request for an ID reissue (居民身份证补领) on a phone
(Chromium at 360×640): the item chosen, the applicant typed, the materials ticked, the
receipt with the tracking code and its QR code. The resident, in a browser of their own
with no account, opens the public tracking page, types the code and sees the step the
request is at, and nothing personal. No console error, no CSP violation, nothing wider
than the screen."""

import pytest
from playwright.sync_api import expect

from conftest import UNIT
from yiwang.registry.tests.conftest import make_id
from yiwang.services.models import HelpRequest, ServiceItem

from .conftest import GROUPED_CODE, assert_clean, log_in, wait_for_request_threads

pytestmark = [
    pytest.mark.usefixtures("fresh_limits"),
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 360, "height": 640}
NAME = "周建国"
ID_NUMBER = make_id("19900305", "017")
MOBILE = "13705371111"


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_worker_takes_an_id_reissue_and_the_resident_tracks_it(
    open_page, console, live_server, worker
):
    base = live_server.url
    item = ServiceItem.objects.get(code="id-card-reissue")
    materials = list(item.materials.all())

    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Asia/Shanghai")
    log_in(phone, base, worker.username)
    phone.goto(f"{base}/services/help/")
    phone.locator("#help-create").tap()
    expect(phone.locator("#take-items")).to_be_visible()
    assert fits(phone)
    phone.locator("#take-item-id-card-reissue").tap()

    expect(phone.locator("#take-item")).to_have_text(item.name)
    phone.fill("#id_applicant_name", NAME)
    phone.select_option("#id_area_code", UNIT)
    phone.fill("#id_id_number", ID_NUMBER)
    phone.fill("#id_phone", MOBILE)
    phone.fill("#id_matter", "外出务工返乡，身份证丢失，需补领后办理结婚登记")
    for material in materials:
        phone.locator(f"#take-materials input[value='{material.pk}']").check()
    assert fits(phone)
    phone.locator("#take-submit").tap()

    code_node = phone.locator("#receipt-code")
    expect(code_node).to_be_visible()
    shown = code_node.inner_text().strip()
    assert GROUPED_CODE.match(shown), shown
    expect(phone.locator("#receipt-qr svg")).to_be_visible()
    expect(phone.locator("#receipt-item")).to_have_text(item.name)
    assert fits(phone)
    wait_for_request_threads()
    row = HelpRequest.objects.get(applicant_name=NAME)
    assert row.tracking_code == shown.replace(" ", "")
    assert row.materials.count() == len(materials)
    assert row.taken_by == worker
    assert_clean(phone, console)

    # The request's page: the next step, accepted after a confirmation.
    phone.locator("#receipt-back").tap()
    expect(phone.locator("#help-step")).to_have_attribute("data-step", "entrusted")
    expect(phone.locator("#id-number")).not_to_contain_text(ID_NUMBER)
    phone.locator("#next-step-button").tap()
    expect(phone.locator("#step-confirm")).to_be_visible()
    assert fits(phone)
    phone.locator("#step-confirm").tap()
    expect(phone.locator("#help-step")).to_have_attribute("data-step", "accepted")

    # The resident: another browser, no account, the code typed.
    resident = open_page(
        viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Asia/Shanghai"
    )
    resident.goto(f"{base}/public/services/track/")
    resident.fill("#id_code", shown.lower())
    resident.locator("#track-submit").tap()
    expect(resident.locator("#public-step")).to_have_attribute("data-step", "accepted")
    expect(resident.locator("#public-help")).to_contain_text(item.name)
    current = resident.locator("#public-steps li[aria-current=step]")
    expect(current).to_have_attribute("data-step", "accepted")
    page_text = resident.locator("body").inner_text()
    for personal in (NAME, "周*国", ID_NUMBER, MOBILE, row.masked_phone, worker.username):
        assert personal not in page_text, personal
    assert fits(resident)
    assert_clean(resident, console)
