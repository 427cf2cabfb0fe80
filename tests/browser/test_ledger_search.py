"""The ledger's search in Chromium: the county admin finds a person by their given name."""

import pytest
from playwright.sync_api import expect

from conftest import OTHER_UNIT, UNIT
from yiwang.registry.services import add_resident, create_household

from .test_tree_browser import _assert_clean, _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_county_admin_finds_a_person_by_their_given_name(
    live_server, page, console, county_admin, worker, outsider
):
    home = create_household(actor=worker, unit_code=UNIT, number="001", address="南门街 1 号")
    add_resident(actor=worker, household_id=home.pk, name="张建国", relation="head")
    add_resident(actor=worker, household_id=home.pk, name="王建华", relation="spouse")
    other = create_household(actor=outsider, unit_code=OTHER_UNIT, number="101")
    add_resident(actor=outsider, household_id=other.pk, name="欧阳建国", relation="head")
    base = live_server.url

    _log_in(page, base, "county")
    page.wait_for_load_state()
    page.goto(f"{base}/ledger/")
    expect(page.locator("#ledger-search")).to_contain_text("姓名的任意部分")
    page.fill("#id_search", "建国")
    page.locator("#ledger-search button[type=submit]").click()

    rows = page.locator("#resident-table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#resident-table")).to_contain_text("张建国")
    expect(page.locator("#resident-table")).to_contain_text("欧阳建国")
    expect(page.locator("#resident-table")).not_to_contain_text("王建华")
    _assert_clean(page, console)
