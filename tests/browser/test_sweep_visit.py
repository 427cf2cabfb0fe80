"""A grid worker records a door-to-door sweep's visit on a phone (360×640) in Chromium: the
sweep opened from the menu shows the unit's progress, "my sweep households" lists the
households assigned, the visit form records one (stored once, as the outreach visit),
and back on the sweep's page it is counted as reached. No horizontal overflow, no
console error, no CSP violation."""

import pytest
from playwright.sync_api import expect

from conftest import UNIT
from yiwang.duty.models import SweepHousehold
from yiwang.duty.services import sweeps
from yiwang.duty.tests.emerg_rows import SPREAD, county_sweep, make_target_households
from yiwang.outreach.models import Visit

from .conftest import assert_clean, log_in, wait_for_request_threads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def open_from_menu(page, item: str) -> None:
    page.locator(".navbar-toggler").tap()
    page.locator("#main-nav [data-menu-section=duty] > a").tap()
    page.locator(f"#main-nav [data-menu-item='{item}']").tap()


def test_a_grid_worker_records_a_sweep_visit_on_a_phone(
    open_page, console, live_server, county_admin, worker
):
    make_target_households()
    sweep = county_sweep(county_admin)
    sweeps.assign_to_unit_workers(actor=county_admin, sweep_id=sweep.pk)
    base = live_server.url

    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Asia/Shanghai")
    log_in(phone, base, worker.username)
    open_from_menu(phone, "duty.sweeps")
    phone.locator(f"#sweep-{sweep.pk}").tap()
    expect(phone.locator("#sweep-name")).to_have_text(sweep.name)
    row = phone.locator(f'#sweep-progress tbody tr[data-area="{UNIT}"]')
    expect(row.locator('[data-figure="total"]')).to_have_text(str(SPREAD[UNIT]))
    expect(row.locator('[data-figure="reached"]')).to_have_text("0")
    expect(row).not_to_contain_text(UNIT)  # the unit by its name
    assert no_horizontal_overflow(phone)

    open_from_menu(phone, "duty.sweep_mine")
    expect(phone.locator("#mine-left")).to_have_attribute("data-left", str(SPREAD[UNIT]))
    assert no_horizontal_overflow(phone)
    phone.locator("#mine-rows a").first.tap()
    expect(phone.locator("#visit-form")).to_be_visible()
    assert no_horizontal_overflow(phone)
    phone.locator("#visit-form label", has_text="已敲开，平安").tap()
    phone.fill("#id_note", "老人身体好，门窗已加固")
    box = phone.locator("#visit-form").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    phone.locator("#visit-submit").tap()

    expect(phone.locator("#mine-left")).to_have_attribute("data-left", str(SPREAD[UNIT] - 1))
    expect(phone.locator('#mine-rows [data-result="safe"]')).to_have_count(1)
    open_from_menu(phone, "duty.sweeps")
    phone.locator(f"#sweep-{sweep.pk}").tap()
    row = phone.locator(f'#sweep-progress tbody tr[data-area="{UNIT}"]')
    expect(row.locator('[data-figure="reached"]')).to_have_text("1")
    expect(phone.locator("#sweep-unreached li[data-household]")).to_have_count(SPREAD[UNIT] - 1)
    assert no_horizontal_overflow(phone)
    wait_for_request_threads()

    visited = SweepHousehold.objects.get(sweep=sweep, result="safe")
    visit = Visit.objects.get(uuid=visited.visit_uuid)
    assert visit.visitor == worker and visit.outcome == "all_well"
    assert visit.notes == "老人身体好，门窗已加固"
    assert_clean(phone, console)
