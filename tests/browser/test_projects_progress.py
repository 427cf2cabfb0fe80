"""A site worker (a member of a project's special team, with no post) records the day's
progress on a phone (360×640) in Chromium: "my projects", the big button, the form with
a photo taken (a file chosen here), no horizontal overflow; back on the project's page
the entry shows with its photo's thumbnail. No console error, no CSP violation."""

import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from yiwang.projects.models import ProgressEntry
from yiwang.projects.tests import factories

from .conftest import assert_clean, log_in, wait_for_request_threads, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 200)).save(out, "JPEG")
    return out.getvalue()


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_site_worker_records_the_days_progress_with_a_photo(
    open_page, console, live_server, tree
):
    factories.enter_years_around_today()
    member = factories.make_account("siteworker", full_name="现场小李")
    project = factories.make_project(members=[member])
    base = live_server.url

    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Asia/Shanghai")
    log_in(phone, base, member.username)
    phone.goto(f"{base}/projects/mine/")
    button = phone.locator(f"#record-{project.pk}")
    expect(button).to_have_text("记录今日进展")
    assert no_horizontal_overflow(phone)
    button.tap()

    expect(phone.locator("#progress-form")).to_be_visible()
    expect(phone.locator("#id_day")).to_have_value(timezone.localdate().isoformat())
    photos = phone.locator("#id_photos")
    assert photos.get_attribute("capture") == "environment"
    assert photos.get_attribute("accept") == "image/*"
    phone.fill("#id_text", "厂房钢结构吊装完成，明日浇筑地坪")
    phone.fill("#id_problems", "吊车台班不足")
    photos.set_input_files(files=[{"name": "site.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    assert no_horizontal_overflow(phone)
    form_box = phone.locator("#progress-form").bounding_box()
    assert form_box["x"] >= 0 and form_box["x"] + form_box["width"] <= PHONE["width"]
    phone.locator("#progress-submit").tap()

    expect(phone.locator("#project-name")).to_be_visible()
    expect(phone.locator("#project-fields")).not_to_contain_text(project.area_code)  # names
    entry = phone.locator("#project-progress li").first
    expect(entry).to_contain_text("厂房钢结构吊装完成")
    thumbnail = entry.locator("img.project-photo")
    expect(thumbnail).to_be_visible()
    wait_until(
        phone,
        "() => { const i = document.querySelector('#project-progress img.project-photo');"
        " return i && i.complete && i.naturalWidth > 0; }",
    )
    assert no_horizontal_overflow(phone)
    wait_for_request_threads()
    stored = ProgressEntry.objects.get(project=project)
    assert stored.recorded_by == member and stored.photos.count() == 1

    assert_clean(phone, console)


def test_the_manager_s_forms_fit_a_phone(open_page, console, live_server, town_admin):
    """The town admin's project page, every form open, fits 360 pixels; a stage back
    without a reason shows the message by its field, and nothing changes."""
    factories.enter_years_around_today()
    project = factories.make_project()
    factories.make_milestone(project, name="厂房封顶")
    base = live_server.url
    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Asia/Shanghai")
    log_in(phone, base, town_admin.username)
    phone.goto(f"{base}/projects/{project.pk}/")
    phone.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert no_horizontal_overflow(phone)
    phone.select_option("#id_stage", "signed")
    phone.locator("#stage-form button[type=submit]").tap()
    expect(phone.locator("#id_reason_errors")).to_be_visible()
    expect(phone.locator("#stage")).to_have_attribute("open", "")
    assert no_horizontal_overflow(phone)
    wait_for_request_threads()
    project.refresh_from_db()
    assert project.stage == "building"
    # The refused form answers 400, which the console reports; nothing else.
    assert phone.evaluate("window.__cspViolations") == []
    assert [e for e in console.unexpected() if "status of 400" not in e] == []
