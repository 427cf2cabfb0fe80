"""A volunteer's hours page and the public check of a certificate on a phone (360x640):
the grid chief opens the volunteer's hours from the menu's list, sees credit and honour
hours apart and the star, issues a certificate for the last month; anyone opens the
certificate's public page. Nothing is wider than the screen; no console error, no CSP
violation. Screenshots under artifacts/screenshots/."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from yiwang.volunteering.models import Certificate, HoursKind, HoursStatus
from yiwang.volunteering.tests import certificate_rows as rows

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "artifacts" / "screenshots"
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_hours_page_and_the_public_check_on_a_phone(open_page, console, live_server, chief):
    volunteer = rows.resident_volunteer(chief)
    team = rows.team()
    rows.hours(volunteer, rows.activity(chief, team, "敬老院打扫卫生和理发义诊"), "120.5")
    rows.hours(
        volunteer,
        rows.activity(chief, team, "防汛值守", day=rows.days_ago(5)),
        "6",
        kind=HoursKind.HONOUR,
    )
    rows.hours(
        volunteer,
        rows.activity(chief, team, "关爱留守儿童", day=rows.days_ago(2)),
        "3",
        status=HoursStatus.PENDING,
    )
    base = live_server.url
    page = open_page(**PHONE)
    log_in(page, base, "chief")
    page.goto(f"{base}/volunteering/hours/")
    page.locator("#volunteers a", has_text="李明华").click()
    expect(page.locator("#credit-hours")).to_have_text("120.50")
    expect(page.locator("#honour-hours")).to_have_text("6.00")
    expect(page.locator("#star")).to_contain_text("1")
    _fits(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "volunteer-hours-360x640.png"), full_page=True)
    page.locator("#issue-certificate").click()
    page.fill("#id_first_day", rows.days_ago(30).isoformat())
    page.fill("#id_last_day", rows.days_ago(0).isoformat())
    page.locator("#certificate-form button[type=submit]").click()
    expect(page.locator("#certificates li")).to_have_count(1)
    certificate = Certificate.objects.get()
    _fits(page)
    assert_clean(page, console)

    visitor = open_page(**PHONE)
    visitor.goto(f"{base}/public/volunteering/certificates/{certificate.check_code}/")
    expect(visitor.locator("#certificate-number")).to_have_text(certificate.number)
    expect(visitor.locator("#certificate-name")).to_have_text("李*华")
    _fits(visitor)
    visitor.screenshot(path=str(SCREENSHOTS / "certificate-check-360x640.png"), full_page=True)
    assert_clean(visitor, console)
