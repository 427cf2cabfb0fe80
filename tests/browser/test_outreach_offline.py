"""A grid worker's visits on a phone (360×640) in Chromium, with and without a signal: the
"today" list, a routine visit in three taps; then, offline, a visit and a case report kept
on the phone (the pages opened from the service worker's copies); back online, both sent
and stored exactly once. No console error, no CSP violation."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD, UNIT
from yiwang.cases.models import Case
from yiwang.core.validators import normalize_text
from yiwang.outreach.models import ScheduledVisit, Visit
from yiwang.outreach.services import schedule
from yiwang.outreach.tests.test_visits import make_household

from .conftest import cut_off_service_worker, new_context, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}
REPORT = "村东头水渠堵塞，雨天漫到路上"
SHOWN_REPORT = normalize_text(REPORT)  # stored with half-width punctuation


@pytest.fixture
def households(tree):
    """Three elderly-alone households of the worker's unit, due today, tomorrow and in
    two days (the weekly visit rule)."""
    made = [
        make_household(number=f"00{i}", tags=["elderly_alone"], name=name)
        for i, name in enumerate(("李四", "王小明", "赵大海"), start=1)
    ]
    schedule.schedule_rules()
    ScheduledVisit.objects.filter(rule__code="ordinary_half_yearly").update(
        due_on=timezone.localdate() + datetime.timedelta(days=100)
    )
    for days, household in enumerate(made):
        ScheduledVisit.objects.filter(household=household).filter(
            rule__code="elderly_alone_weekly"
        ).update(due_on=timezone.localdate() + datetime.timedelta(days=days))
    return made


def test_visits_and_a_report_made_offline_arrive_once(
    sw_network_events, browser, console, settings, live_server, worker, households
):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
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
    offline_noise = []
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and (
                offline_noise if "ERR_INTERNET_DISCONNECTED" in msg.text else console.errors
            ).append(msg.text)
        ),
    )
    page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))

    page.goto(f"{base}/login/")
    page.fill("#id_username", worker.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#current-user")).to_be_attached()

    # The "today" list, nearest due first; the service worker keeps it and the forms.
    page.goto(f"{base}/outreach/today/")
    lines = page.locator("#today-list .today-line")
    expect(lines).to_have_count(3)
    first, second, _third = households
    forms = [f"/outreach/visits/household/{h.pk}/new/" for h in households]
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    wait_until(
        page,
        """async (paths) => {
            const kept = await Promise.all(paths.map((p) => caches.match(p)));
            return kept.every(Boolean);
        }""",
        arg=[*forms, "/outreach/today/", "/cases/new/"],
    )

    # A routine visit in three taps: the household, "all well", submit.
    lines.first.tap()
    expect(page).to_have_url(f"{base}{forms[0]}")
    page.locator("label[for=id_outcome_0]").tap()
    page.locator("#visit-submit").tap()
    expect(page).to_have_url(f"{base}/outreach/today/")
    assert Visit.objects.filter(household=first).count() == 1
    # Its next visit is a week away: last on the list now.
    expect(lines.first).not_to_have_attribute("href", forms[0])
    expect(lines.last).to_have_attribute("href", forms[0])

    # No signal: the page knows (navigator.onLine), the service worker's fetches fail.
    context.route("**/*", cut_off_service_worker)
    context.set_offline(True)
    page.goto(f"{base}/outreach/today/")  # the kept copy
    status = page.locator("#offline-status")
    expect(status).to_contain_text("离线")
    page.goto(f"{base}{forms[1]}")  # the household's kept form
    page.locator("label[for=id_outcome_0]").tap()
    page.locator("#visit-submit").tap()
    expect(page.locator("#offline-saved")).to_be_visible()
    expect(status).to_have_attribute("data-waiting-count", "1")
    expect(status).to_contain_text("1 条待发送")

    page.goto(f"{base}/cases/new/")  # the kept report form
    page.select_option("#id_category", "sanitation")
    page.fill("#id_text", REPORT)
    page.select_option("#id_unit_code", UNIT)  # the worker's own units, listed by name
    page.locator("#case-form button[type=submit]").tap()
    expect(page.locator("#offline-saved")).to_be_visible()
    expect(status).to_have_attribute("data-waiting-count", "2")
    # Nothing reached the server.
    assert Visit.objects.filter(household=second).count() == 0
    assert not Case.objects.filter(text=SHOWN_REPORT).exists()

    # The signal returns: what waited is sent, and the status clears.
    context.unroute("**/*", cut_off_service_worker)
    context.set_offline(False)
    expect(status).to_be_hidden(timeout=15_000)
    visit = Visit.objects.get(household=second)
    assert (visit.visitor, visit.outcome, visit.source) == (worker, "all_well", "offline")
    # It did what the household was due: both rules' visits, at once.
    done = ScheduledVisit.objects.filter(household=second, visit=visit)
    assert set(done.values_list("rule__code", "status")) == {
        ("elderly_alone_weekly", "done"),
        ("ordinary_half_yearly", "done"),
    }
    case = Case.objects.get(text=SHOWN_REPORT)
    assert (case.reporter, case.area_code, case.source) == (worker, UNIT, "patrol")
    assert case.client_uuid is not None

    # Opened again online, the pages send nothing twice.
    page.goto(f"{base}/outreach/today/")
    expect(lines.last).to_have_attribute("href", forms[1])
    waiting = page.evaluate(
        """() => new Promise((done) => {
            const open = indexedDB.open("yiwang-offline");
            open.onsuccess = () => {
                const all = open.result.transaction("queue").objectStore("queue").getAll();
                all.onsuccess = () => done(all.result.length);
            };
        })"""
    )
    assert waiting == 0
    assert Visit.objects.count() == 2
    assert Case.objects.filter(text=SHOWN_REPORT).count() == 1

    assert page.evaluate("window.__cspViolations") == []
    assert console.csp_errors() == []
    assert console.unexpected() == []
    # Nothing still on its way to the server when the test's database is emptied.
    page.wait_for_load_state("networkidle")
    context.close()
