"""The points ledger in Chromium at a phone's size (360×640): a grid worker records points
for a villager on the phone, the grid chief approves them from the queue."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from yiwang.points.models import Entry, EntryStatus
from yiwang.points.tests.test_lists import adopt_defaults, make_household

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}


def test_points_recorded_on_a_phone_and_approved_by_the_chief(
    live_server, open_page, console, chief, worker
):
    lists = adopt_defaults(chief)
    household, _head = make_household(worker, "501")
    item = lists["household"].items.get(article="2")  # 参加义务劳动, 1 to 3
    base = live_server.url

    phone = open_page(**PHONE)
    log_in(phone, base, "worker")
    phone.goto(f"{base}/points/entries/new/")
    phone.select_option("#id_subject", f"h:{household.pk}")
    phone.select_option("#id_item", str(item.pk))
    phone.fill("#id_points", "5")
    phone.locator("#entry-form button[type=submit]").click()
    # Out of the item's range: the message names the field, nothing is stored.
    expect(phone.locator("#id_points_errors")).to_contain_text("1.0")
    assert not Entry.objects.exists()
    phone.fill("#id_points", "3")
    phone.fill("#id_evidence", "清理村口沟渠半天")
    phone.locator("#entry-form button[type=submit]").click()
    expect(phone.locator("#entry-status")).to_have_text("待审核")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the entry page scrolls sideways on a phone: {width}px"
    assert_clean(phone, console)

    desk = open_page()
    log_in(desk, base, "chief")
    desk.goto(f"{base}/points/entries/queue/")
    entry = Entry.objects.get()
    row = desk.locator(f"#entry-{entry.pk}")
    row.get_by_role("button", name="通过").click()
    expect(desk.locator(f"#entry-{entry.pk}")).to_have_count(0)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.APPROVED and entry.decided_by == chief
    assert entry.month == timezone.localdate().replace(day=1)
    assert_clean(desk, console)
