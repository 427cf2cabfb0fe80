"""An announcement in Chromium: the town admin sends an important announcement to one
village's grid workers; `worker` sees it in the inbox on a 360×640 phone and acknowledges
it; the town admin sees the receipt; `outsider` never sees it. No console error, no CSP
violation."""

import pytest
from playwright.sync_api import expect

from conftest import VILLAGE
from yiwang.notices.models import Announcement, Receipt

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


def test_town_admin_sends_worker_acknowledges_on_the_phone(
    live_server, open_page, console, town_admin, worker, outsider
):
    base = live_server.url

    # The town admin writes it from the menu's page, to one village's grid workers.
    admin = open_page(viewport={"width": 1280, "height": 800})
    log_in(admin, base, "town")
    admin.goto(f"{base}/notices/announcements/")
    admin.locator("#announcement-new").click()
    admin.fill("#id_title", "关于开展冬季消防安全排查的通知")
    admin.fill("#id_body", "请各网格员本周内完成辖区排查，并在系统中确认收到。")
    admin.select_option("#id_areas", [VILLAGE])
    admin.check("input[name=roles][value=grid_worker]")
    admin.select_option("#id_priority", "important")
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.locator("#announcement-form button[type=submit]").click()
    expect(admin.locator("#receipts-total")).to_contain_text("0")
    announcement = Announcement.objects.get()
    assert announcement.status == "sent" and announcement.recipient_count == 1
    assert_clean(admin, console)

    # The worker, on a phone: the inbox tab's badge, the item, the acknowledgement.
    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(phone, base, "worker")
    phone.goto(f"{base}/notices/")
    item = phone.locator("#inbox-list li[data-type=announcement]").first
    expect(item).to_contain_text("关于开展冬季消防安全排查的通知")
    expect(item).to_contain_text("重要")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    item.locator("a").first.tap()
    expect(phone.locator("#announcement")).to_contain_text("请各网格员本周内完成辖区排查")
    phone.locator("#ack-button").tap()
    expect(phone.locator("#acked")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    receipt = Receipt.objects.get(announcement=announcement)
    assert receipt.acked_at is not None and receipt.acked_via == "app"
    assert_clean(phone, console)

    # The town admin sees the receipt, by village, and the person behind the figure.
    admin.reload()
    row = admin.locator("#receipts-table tr[data-area]").first
    expect(row.locator(".receipts-acked")).to_have_text("1")
    row.locator(".receipts-acked").click()
    expect(admin.locator("#people-list")).to_contain_text("worker")

    # The outsider never sees it: not in the inbox, not by its address.
    other = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(other, base, "outsider")
    other.goto(f"{base}/notices/")
    expect(other.locator("#inbox-list")).not_to_contain_text("冬季消防安全排查")
    response = other.goto(f"{base}/notices/announcements/{announcement.pk}/")
    assert response.status == 404
