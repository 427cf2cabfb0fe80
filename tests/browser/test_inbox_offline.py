"""The inbox on a phone (360×640) in Chromium without a signal: the worker opens the inbox
online (the service worker keeps it and the announcements it links to); with no signal,
the kept inbox and the kept announcement open, and an acknowledgement waits on the phone;
back online it is sent to the API and stored once. No console error, no CSP violation."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, VILLAGE
from yiwang.accounts.models import Role
from yiwang.notices.models import Receipt
from yiwang.notices.services import announcements

from .conftest import cut_off_service_worker, new_context, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


def test_an_acknowledgement_made_offline_arrives_once(
    sw_network_events, browser, console, settings, live_server, chief, worker
):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    announcement = announcements.create_announcement(
        actor=chief,
        title="村两委会议通知",
        body="周五下午三点在村委会开会。",
        areas=[VILLAGE],
        roles=[Role.GRID_WORKER],
        priority="important",
    )
    announcements.send_announcement(announcement.pk)
    receipt = Receipt.objects.get(announcement=announcement, user=worker)

    base = live_server.url
    context = new_context(
        browser,
        timezone_id="Asia/Shanghai",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        service_workers="allow",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and "ERR_INTERNET_DISCONNECTED" not in msg.text
            and console.errors.append(msg.text)
        ),
    )
    page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))
    page.goto(f"{base}/login/")
    page.fill("#id_username", worker.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#current-user")).to_be_attached()

    page.goto(f"{base}/notices/")
    detail = f"/notices/announcements/{announcement.pk}/"
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # Kept: listed among the cache's entries, and still there a moment later (the page's
    # load asks the service worker to refresh what it keeps; the copies are replaced then).
    kept = """async (paths) => {
        const kept = new Set();
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) kept.add(new URL(request.url).pathname);
        }
        return paths.every((p) => kept.has(p));
    }"""
    for _check in range(2):
        wait_until(page, kept, arg=["/notices/", detail])
        page.wait_for_timeout(1000)
    wait_until(page, kept, arg=["/notices/", detail])

    context.route("**/*", cut_off_service_worker)
    context.set_offline(True)
    page.goto(f"{base}/notices/")  # the kept copy
    status = page.locator("#offline-status")
    expect(status).to_contain_text("离线")
    page.goto(f"{base}{detail}")  # the kept announcement
    expect(page.locator("#announcement")).to_contain_text("周五下午三点在村委会开会")
    page.goto(f"{base}/notices/")
    item = page.locator(f"#inbox-announcement-{receipt.pk}")
    item.locator(".inbox-ack-form button[type=submit]").tap()
    expect(item.locator(".offline-saved")).to_be_visible()
    expect(status).to_have_attribute("data-waiting-count", "1")
    receipt.refresh_from_db()
    assert receipt.acked_at is None  # nothing reached the server

    context.unroute("**/*", cut_off_service_worker)
    context.set_offline(False)
    expect(status).to_be_hidden(timeout=15_000)
    receipt.refresh_from_db()
    assert receipt.acked_at is not None and receipt.acked_via == "api"
    assert page.evaluate("window.__cspViolations") == []
    assert console.unexpected() == []
    context.close()
