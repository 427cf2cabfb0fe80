"""The review board closes a month in Chromium: the village's grid chief, a member of its
board, opens last month from the menu, closes it, selects a model villager within the
quota, puts the selection on public notice; the public notice page, opened without a
login, shows the name masked (张*丰) and never in full."""

import pytest
from playwright.sync_api import expect

from conftest import COUNTY, UNIT, VILLAGE
from tests.browser.conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def month(chief):
    from yiwang.points.models import AwardKind, Quota
    from yiwang.points.services import evaluation as services
    from yiwang.points.tests.checks_evaluation import build_village, last_month

    first = last_month()
    rows = build_village(VILLAGE, [UNIT, UNIT[:-3] + "002"], chief, first)
    for kind in AwardKind.values:
        Quota.objects.create(area_code=COUNTY, kind=kind, per_village=1)
    services.add_board_member(actor=None, village_code=VILLAGE, user_id=chief.pk, is_chair=True)
    return first, rows


def test_the_board_closes_a_month(live_server, open_page, console, month):
    first, rows = month
    base = live_server.url
    page = open_page()
    log_in(page, base, "chief")
    page.locator('[data-menu-item="points.evaluations"]').first.dispatch_event("click")
    expect(page.locator("#evaluation-open")).to_be_visible()
    page.select_option("#id_village", VILLAGE)
    page.fill("#id_month", f"{first:%Y-%m}")
    page.locator("#evaluation-open button[type=submit]").click()

    page.locator("#close-month").click()
    expect(page.locator("#evaluation-status")).to_be_visible()
    # The standings are the board's: the chief sees them, best first.
    part = page.locator("#part-model_villager")
    expect(part).to_contain_text("张三丰")
    form = page.locator("#select-model_villager")
    form.locator("select").select_option(str(rows["households"][0].pk))
    form.locator("input[name$=reason]").fill("孝老爱亲，热心公益")
    form.locator("button[type=submit]").click()
    expect(page.locator("#selection-table")).to_contain_text("张三丰")
    # A second model villager is over the quota of one: refused with a message.
    form = page.locator("#select-model_villager")
    form.locator("select").select_option(str(rows["households"][1].pk))
    form.locator("input[name$=reason]").fill("邻里和睦")
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-danger, .alert-error").first).to_be_visible()
    expect(page.locator("#selection-table tbody tr")).to_have_count(1)

    # The minutes Yiwang wrote are there to amend; then the public notice.
    expect(page.locator("#id_minutes")).to_contain_text("张三丰")
    page.locator("#publish").click()
    expect(page.locator("#public-notice-link")).to_be_visible()
    href = page.locator("#public-notice-link").get_attribute("href")
    assert_clean(page, console)

    public = open_page()
    public.goto(f"{base}{href}")
    expect(public.locator("#notice-selections")).to_contain_text("张*丰")
    assert "张三丰" not in public.content()
    expect(public.locator("#objection-form")).to_be_visible()
    assert_clean(public, console)
