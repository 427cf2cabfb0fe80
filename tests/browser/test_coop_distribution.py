"""The year's distribution of a village's cooperative in Chromium: the accountant opens
the cooperative's distributions from "My cooperative", types the year's surplus and sees
the draft with each step and the lines adding up to the surplus with the reserve; the
chair, on a phone (360×640), follows the inbox's notice to the draft and approves it
behind a confirmation; then a member's statement opens and its PDF answers. No console
error, no CSP violation, nothing wider than the phone's screen."""

import pytest
from playwright.sync_api import expect

from yiwang.coops.models import Distribution, DistributionStatus
from yiwang.coops.tests.distribution_rows import YEAR, cooperative

from .conftest import assert_clean, log_in, wait_for_request_threads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_accountant_runs_the_chair_approves_and_a_member_reads_the_statement(
    open_page, console, live_server, tree
):
    base = live_server.url
    rows = cooperative()
    coop = rows["coop"]
    member = rows["members"][1]  # 王一

    # The accountant, at a desk.
    desk = open_page(timezone_id="Asia/Shanghai")
    log_in(desk, base, rows["accountant"].username)
    desk.locator("[data-menu-section='coops'] > a.dropdown-toggle").click()
    desk.locator("a[data-menu-item='coops.mine']").click()
    desk.locator(f"#my-coop-distributions-{coop.pk}").click()
    expect(desk.locator("#distribution-none")).to_be_visible()
    desk.locator("#distribution-run").click()
    desk.fill("#id_year", str(YEAR))
    desk.fill("#id_surplus", "1180000.00")
    desk.locator("#run-submit").click()

    expect(desk.locator("#run-status")).to_have_attribute("data-status", "draft")
    expect(desk.locator("#run-steps li")).to_have_count(8)
    expect(desk.locator("#run-surplus")).to_have_text("1,180,000.00")
    expect(desk.locator("#run-check")).to_have_attribute("data-adds-up", "1")
    expect(desk.locator("#run-check-total")).to_have_text("1,180,000.00")
    expect(desk.locator("#approve-form")).to_have_count(0)
    wait_for_request_threads()
    run = Distribution.objects.get(cooperative=coop, year=YEAR)
    assert run.status == DistributionStatus.DRAFT
    assert_clean(desk, console)

    # The chair, on a phone: the inbox's notice leads to the draft.
    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Asia/Shanghai")
    log_in(phone, base, rows["chair"].username)
    phone.goto(f"{base}/notices/")
    phone.locator(f"#inbox-list a[href='/coops/distributions/{run.pk}/']").tap()
    expect(phone.locator("#run-status")).to_have_attribute("data-status", "draft")
    assert fits(phone)
    expect(phone.locator("#approve-confirm")).not_to_be_visible()
    phone.locator("#approve-button").tap()
    expect(phone.locator("#approve-confirm")).to_be_visible()
    assert fits(phone)
    phone.locator("#approve-confirm").tap()
    expect(phone.locator("#run-status")).to_have_attribute("data-status", "final")
    expect(phone.locator("#run-approved")).to_contain_text(rows["chair"].username)
    expect(phone.locator("#approve-form")).to_have_count(0)
    assert fits(phone)
    wait_for_request_threads()
    run.refresh_from_db()
    assert (run.status, run.approved_by) == (DistributionStatus.FINAL, rows["chair"])

    # A member's statement, and its PDF.
    phone.locator(f"#statement-{member.pk}").tap()
    expect(phone.locator("#statement-member")).to_contain_text("王一")
    expect(phone.locator("#statement-total")).to_have_text("133,508.57")
    expect(phone.locator("#statement-draft")).to_have_count(0)
    assert fits(phone)
    href = phone.locator("#statement-pdf").get_attribute("href")
    pdf = phone.request.get(f"{base}{href}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert_clean(phone, console)
