"""A resident on a phone (Chromium at 360x640), with no account: from the login page to the
public request page, the map drawn from the county's own boundaries (no tile server) that
zooms to the chosen village and never changes the choice by itself, a request sent, a
tracking code of 8 characters, and the request followed with it, step by step."""

import re
import time

import pytest
from playwright.sync_api import expect

from conftest import OTHER_TOWN, OTHER_VILLAGE, TOWN, VILLAGE
from yiwang.areas.services import set_boundary
from yiwang.cases.models import Case, Source
from yiwang.cases.tests.conftest import box

from .conftest import GROUPED_CODE, new_context

pytestmark = [
    pytest.mark.usefixtures("fresh_limits"),
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE_SIZE = {"width": 360, "height": 640}
TEXT = "小区门口的井盖松动了，晚上有人差点绊倒。"


@pytest.fixture
def phone(browser, console, settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.CASES_PUBLIC_MIN_FILL_SECONDS = 1
    context = new_context(browser, viewport=PHONE_SIZE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda msg: msg.type == "error" and console.errors.append(msg.text))
    page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))
    yield page
    context.close()


def _assert_clean(page, console):
    assert page.evaluate("window.__cspViolations") == []
    assert console.csp_errors() == []
    assert console.unexpected() == []


def _fits_the_screen(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]


def _tap_map(page, x_fraction: float, y_fraction: float = 0.5):
    node = page.locator("#public-map")
    size = node.bounding_box()
    node.click(position={"x": size["width"] * x_fraction, "y": size["height"] * y_fraction})


def test_a_resident_goes_from_the_login_page_to_a_short_tracking_code(
    live_server, phone, console, tree
):
    # Two villages of two towns side by side: the chosen one, and another town's east of it.
    set_boundary(actor=None, code=VILLAGE, boundary=box(116.0, 35.0, 116.2, 35.2))
    set_boundary(actor=None, code=OTHER_VILLAGE, boundary=box(116.2, 35.0, 116.4, 35.2))
    base = live_server.url

    # 1. The login page leads a resident without an account to the request page.
    phone.goto(f"{base}/login/")
    phone.locator("#public-request-link").click()
    expect(phone).to_have_url(f"{base}/public/request/")
    served = time.monotonic()
    expect(phone.locator("h1")).to_have_text("向所在村（社区）提交诉求")

    # 2. The map: the towns with their names, then the chosen town's villages.
    expect(phone.locator("#public-map-block")).to_be_visible()
    labels = phone.locator("#public-map .public-map-label")
    expect(labels).to_have_count(2)  # the two towns' names
    expect(labels.first).to_have_text("中都街道")
    expect(phone.locator("#public-map .leaflet-tile")).to_have_count(0)  # no basemap tiles
    phone.select_option("#id_town", TOWN)
    phone.select_option("#id_village", VILLAGE)
    # Two towns and the chosen town's village; not the other town's village.
    expect(labels).to_have_count(3)
    _fits_the_screen(phone)

    # The map zoomed to the chosen village: its middle is the map's middle. A tap in the
    # other town's village, at the map's east edge, sets the point and only suggests it.
    _tap_map(phone, 0.97)
    hint = phone.locator("#public-map-hint")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("不在所选的村（社区）内")
    expect(phone.locator("#id_village")).to_have_value(VILLAGE)
    expect(phone.locator("#id_town")).to_have_value(TOWN)
    # Taking the suggestion is the resident's choice; then they go back to their village.
    phone.locator("#public-map-choose").click()
    expect(phone.locator("#id_village")).to_have_value(OTHER_VILLAGE)
    expect(phone.locator("#id_town")).to_have_value(OTHER_TOWN)
    expect(hint).to_be_hidden()
    phone.select_option("#id_town", TOWN)
    phone.select_option("#id_village", VILLAGE)
    _tap_map(phone, 0.5)  # the middle: in the chosen village, nothing to suggest
    expect(hint).to_be_hidden()
    expect(phone.locator("#id_lat")).not_to_have_value("")
    _assert_clean(phone, console)

    # 3. The rest of the form, and the request sent.
    phone.select_option("#id_category", "help")
    phone.fill("#id_text", TEXT)
    phone.fill("#id_phone", "13812345678")
    question = phone.locator("label[for=id_answer]").inner_text()
    a, b = re.search(r"请回答：(\d+) 加 (\d+) 等于多少", question).groups()
    phone.fill("#id_answer", str(int(a) + int(b)))
    time.sleep(max(0.0, 1.5 - (time.monotonic() - served)))
    phone.locator("#public-request-form button[type=submit]").click()

    expect(phone.locator("h1")).to_have_text("您的诉求已提交")
    shown = phone.locator("#tracking-code").inner_text().strip()
    assert GROUPED_CODE.match(shown), shown
    case = Case.objects.get(source=Source.PUBLIC)
    assert case.tracking_code == shown.replace(" ", "") and len(case.tracking_code) <= 8
    assert case.text == TEXT  # its Chinese punctuation as typed
    assert case.lat is not None and case.area_code.startswith(VILLAGE)
    _fits_the_screen(phone)
    _assert_clean(phone, console)

    # 4. Followed from the tracking page, typed as read out: lower case, no space.
    phone.locator("a", has_text="查询页面").click()
    phone.fill("#id_code", "K0M4 Q9XP")  # a zero: no code has one
    phone.locator("#track-form button[type=submit]").click()
    expect(phone.locator("#id_code_errors")).to_contain_text("查询码由 8 位字母和数字组成")
    phone.fill("#id_code", shown.replace(" ", "").lower())
    phone.locator("#track-form button[type=submit]").click()
    expect(phone.locator("#public-case")).to_be_visible()
    expect(phone.locator("#public-status")).to_have_text("已收到，等待受理")
    steps = phone.locator("#public-steps li")
    expect(steps).to_have_count(6)
    expect(steps.first).to_contain_text("已收到")
    expect(steps.nth(1)).to_contain_text("尚未进行")
    expect(phone.locator("#public-text")).to_have_text(TEXT)
    _fits_the_screen(phone)
    _assert_clean(phone, console)
