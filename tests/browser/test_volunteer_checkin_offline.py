"""A volunteer's check-in on a phone (360×640) in Chromium without a signal: the grid
worker, registered as a volunteer and signed up, opens the activity's check-in page
online (the service worker keeps it); with no signal the code is typed and the check-in
waits on the phone with its UUID and the phone's time; back online it is sent to the API
and stored once, also when the queue is sent again; then the volunteer checks out online.
No console error, no CSP violation."""

import datetime
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from yiwang.volunteering import services
from yiwang.volunteering.models import Attendance
from yiwang.volunteering.tests.activity_setup import make_activity, make_resident

from .conftest import cut_off_service_worker, new_context, wait_for_request_threads, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}
QUEUE = """() => new Promise((done) => {
    const open = indexedDB.open("yiwang-offline");
    open.onsuccess = () => {
        const all = open.result.transaction("queue").objectStore("queue").getAll();
        all.onsuccess = () => { open.result.close(); done(all.result); };
    };
})"""
PUT_BACK = """(record) => new Promise((done) => {
    const open = indexedDB.open("yiwang-offline");
    open.onsuccess = () => {
        const tx = open.result.transaction("queue", "readwrite");
        tx.objectStore("queue").put(record);
        tx.oncomplete = () => { open.result.close(); done(true); };
    };
})"""


@pytest.fixture
def signed_up(chief, worker):
    """An activity of the village under way, the worker a volunteer signed up for it."""
    activity = make_activity(chief, starts=timezone.now() - datetime.timedelta(minutes=10))
    resident = make_resident(number="301", name="赵志愿")
    services.register_volunteer(None, resident=resident.pk, user=worker.pk, consent=True)
    services.sign_up(worker, activity.pk)
    return activity


def test_a_check_in_typed_offline_arrives_once_with_the_phones_time(
    sw_network_events, browser, console, settings, live_server, worker, signed_up
):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    activity = signed_up
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
    refusals = []  # the 400 this test asks for (a wrong code): expected, not an error
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and "ERR_INTERNET_DISCONNECTED" not in msg.text
            and (refusals if "status of 400" in msg.text else console.errors).append(msg.text)
        ),
    )
    page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))
    page.goto(f"{base}/login/")
    page.fill("#id_username", worker.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#current-user")).to_be_attached()

    # "My activities": today's activity, kept with its check-in page.
    page.goto(f"{base}/volunteering/checkin/")
    checkin = f"/volunteering/checkin/{activity.pk}/"
    expect(page.locator(f"#checkin-activity-{activity.pk}")).to_have_attribute("href", checkin)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    wait_until(
        page,
        """async (paths) => {
            const kept = await Promise.all(paths.map((p) => caches.match(p)));
            return kept.every(Boolean);
        }""",
        arg=["/volunteering/checkin/", checkin],
    )
    page.goto(f"{base}{checkin}")
    expect(page.locator("#checkin-title")).to_have_text(activity.title)

    # No signal: the kept page opens, the code is typed, the check-in waits on the phone.
    context.route("**/*", cut_off_service_worker)
    context.set_offline(True)
    page.goto(f"{base}{checkin}")
    status = page.locator("#offline-status")
    expect(status).to_contain_text("离线")
    typed_at = timezone.now()
    code = page.locator("#in_code")
    expect(code).to_have_attribute("inputmode", "numeric")
    code.fill(activity.checkin_code)
    page.locator("#checkin-submit").tap()
    expect(page.locator("#checkin-form .offline-saved")).to_be_visible()
    expect(status).to_have_attribute("data-waiting-count", "1")
    [queued] = page.evaluate(QUEUE)
    assert queued["url"] == f"/api/v1/activities/{activity.pk}/checkin/"
    assert queued["body"]["code"] == activity.checkin_code
    phone_time = datetime.datetime.fromisoformat(queued["body"]["at"])
    assert abs(phone_time - typed_at) < datetime.timedelta(minutes=1)
    assert not Attendance.objects.exists()  # nothing reached the server

    # The signal returns: the check-in is sent, the status clears.
    context.unroute("**/*", cut_off_service_worker)
    context.set_offline(False)
    expect(status).to_be_hidden(timeout=15_000)
    wait_for_request_threads()
    attendance = Attendance.objects.get()
    assert attendance.checkin_uuid == uuid.UUID(queued["uuid"])
    assert attendance.checked_in_at == phone_time

    # Sent again (the queue flushed twice): the API answers the stored check-in.
    page.evaluate(PUT_BACK, queued)
    page.evaluate(
        "window.dispatchEvent(new Event('online')); window.dispatchEvent(new Event('online'))"
    )
    wait_until(page, f"() => ({QUEUE})().then((records) => records.length === 0)")
    expect(status).to_be_hidden()
    wait_for_request_threads()
    assert Attendance.objects.count() == 1

    # A check-out typed offline with a wrong code: refused when sent, kept with the reason.
    context.route("**/*", cut_off_service_worker)
    context.set_offline(True)
    page.goto(f"{base}{checkin}")
    page.locator("#out_code").fill("000000")
    page.locator("#checkout-submit").tap()
    expect(page.locator("#checkout-form .offline-saved")).to_be_visible()
    context.unroute("**/*", cut_off_service_worker)
    context.set_offline(False)
    refused = page.locator("#offline-refused")
    expect(refused).to_contain_text("签到码错误", timeout=15_000)
    expect(status).to_contain_text("1 条被服务器退回")
    wait_for_request_threads()
    assert Attendance.objects.get().checked_out_at is None
    assert len(refusals) == 1

    # Checked in: online, the check-out is posted to the page and the hours recorded.
    page.goto(f"{base}{checkin}")
    expect(page.locator("#checkin-state")).to_be_visible()
    page.locator("#out_code").fill(activity.checkin_code)
    page.locator("#checkout-submit").tap()
    expect(page.locator("#checkin-state")).to_contain_text("签退")
    page.wait_for_load_state("networkidle")
    wait_for_request_threads()
    attendance.refresh_from_db()
    assert attendance.checked_out_at is not None and attendance.hours.kind == "credit"

    assert page.evaluate("window.__cspViolations") == []
    assert console.csp_errors() == []
    assert console.unexpected() == []
    context.close()
