"""A town's alliance of cooperatives in Chromium, on a phone (360×640): the town's admin
opens the roll-up, creates the town's alliance from it, puts 南门合作社 in it from the
cooperative's page, follows the cooperative's link to the alliance and reads its figures.
No console error, no CSP violation, nothing wider than the phone's screen."""

import pytest
from playwright.sync_api import expect

from conftest import TOWN
from yiwang.coops.models import Alliance, Cooperative
from yiwang.coops.tests.rows_coops import build

from .conftest import assert_clean, log_in, wait_for_request_threads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_town_admin_creates_the_alliance_and_reads_it_on_a_phone(
    open_page, console, live_server, town_admin
):
    base = live_server.url
    rows = build()
    nanmen = rows["nanmen"]
    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Asia/Shanghai")
    log_in(phone, base, town_admin.username)
    phone.goto(f"{base}/coops/")
    assert fits(phone)
    phone.locator("#coops-alliance-new").tap()
    expect(phone.locator("#id_area_code")).to_have_value(TOWN)
    phone.fill("#id_name", "中都街道联合社")
    phone.locator("#alliance-save").tap()
    expect(phone.locator("#alliance-name")).to_have_text("中都街道联合社")
    expect(phone.locator("#alliance-none")).to_be_visible()
    assert fits(phone)
    wait_for_request_threads()
    alliance = Alliance.objects.get(area_code=TOWN)

    phone.goto(f"{base}/coops/{nanmen.pk}/")
    phone.locator("#coop-alliance-edit").tap()
    phone.select_option("#id_alliance", str(alliance.pk))
    phone.locator("#coop-alliance-save").tap()
    link = phone.locator(f"#coop-alliance a[data-alliance='{alliance.pk}']")
    expect(link).to_be_visible()
    wait_for_request_threads()
    assert Cooperative.objects.get(pk=nanmen.pk).alliance_id == alliance.pk
    link.tap()
    row = phone.locator(f"#alliance-coops tr[data-coop='{nanmen.pk}']")
    expect(row.locator("[data-figure='members']")).to_have_text("3")

    def number(locator) -> str:  # grouped or not, as the language writes it
        return locator.inner_text().strip().replace(",", "")

    assert number(row.locator("[data-figure='shares']")) == "80000"
    assert number(row.locator("[data-figure='payout']")) == "90000.00"
    assert number(phone.locator("#alliance-total [data-figure='capital']")) == "70000.00"
    assert fits(phone)
    assert_clean(phone, console)
