"""An activity's page on a phone (360×640) in Chromium: the grid chief who runs it sees
the check-in code large with its QR code and gives a new code after confirming; the
volunteer signs up and opens the check-in page, whose code the QR's address fills in.
No console error, no CSP violation."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from yiwang.volunteering import services
from yiwang.volunteering.models import Activity, SignUp
from yiwang.volunteering.tests.activity_setup import HOUR, make_activity, make_resident

from .conftest import assert_clean, log_in, wait_for_request_threads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


def test_the_organiser_shows_the_code_and_the_volunteer_signs_up(
    open_page, console, live_server, chief, worker
):
    activity = make_activity(chief, starts=timezone.now() + HOUR)
    services.register_volunteer(
        None, resident=make_resident(number="501", name="钱志愿").pk, user=worker.pk, consent=True
    )
    base = live_server.url
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True}

    organiser = open_page(**phone, timezone_id="Asia/Shanghai")
    log_in(organiser, base, chief.username)
    organiser.goto(f"{base}/volunteering/activities/{activity.pk}/")
    code = organiser.locator("#checkin-code")
    expect(code).to_have_text(activity.checkin_code)
    qr = organiser.locator("#checkin-qr svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] <= PHONE["width"]
    organiser.once("dialog", lambda dialog: dialog.accept())
    organiser.locator("#new-code-form button").tap()
    expect(code).not_to_have_text(activity.checkin_code)
    wait_for_request_threads()
    activity.refresh_from_db()
    expect(code).to_have_text(activity.checkin_code)

    volunteer = open_page(**phone, timezone_id="Asia/Shanghai")
    log_in(volunteer, base, worker.username)
    volunteer.goto(f"{base}/volunteering/activities/")
    volunteer.locator(f"#activity-{activity.pk}").tap()
    expect(volunteer.locator("#checkin-code")).to_have_count(0)
    volunteer.locator("#signup-form button").tap()
    expect(volunteer.locator("#signed-up")).to_be_visible()
    # The QR code's address: the check-in page with the code filled.
    volunteer.goto(f"{base}/volunteering/checkin/{activity.pk}/?code={activity.checkin_code}")
    expect(volunteer.locator("#in_code")).to_have_value(activity.checkin_code)
    volunteer.wait_for_load_state("networkidle")
    wait_for_request_threads()
    assert SignUp.objects.filter(activity=activity, volunteer__user=worker).count() == 1
    assert Activity.objects.get().checkin_code == activity.checkin_code

    assert_clean(organiser, console)
    assert_clean(volunteer, console)
