"""Each role's home in Chromium, on a desk (1366x900) and on a phone (360x640).

Each persona logs in and lands on their home; the page is saved as a screenshot under
artifacts/screenshots/<role>-<size>.png (kept by CI as artifacts). On the phone the
bottom tab bar is shown, nothing is wider than the screen, and the tabs open their pages;
on a desk the bar is hidden. No console error, no CSP violation.
"""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from conftest import PASSWORD

from .conftest import new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "artifacts" / "screenshots"
SIZES = {"1366x900": (1366, 900), "360x640": (360, 640)}
# The persona fixtures' usernames, the role named in the screenshot, the home's title.
ROLES = {
    "county_admin": ("county", "全县"),
    "town_admin": ("town", "我的乡镇"),
    "chief": ("chief", "我的村"),
    "worker": ("worker", "我的一天"),
}


def _log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#home-title")).to_be_visible()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_lands_on_its_home(request, browser, console, settings, live_server, role, size):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    request.getfixturevalue(role)
    username, title = ROLES[role]
    width, height = SIZES[size]
    context = new_context(browser, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda msg: msg.type == "error" and console.errors.append(msg.text))
    page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))
    try:
        base = live_server.url
        _log_in(page, base, username)
        expect(page).to_have_url(f"{base}/")
        expect(page.locator("#home-title")).to_have_text(title)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{role}-{size}.png"), full_page=True)
        assert (SCREENSHOTS / f"{role}-{size}.png").stat().st_size > 0
        tabs = page.locator("#tab-bar")
        if width < 992:
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            expect(tabs).to_be_visible()
            expect(tabs.locator("[data-tab]")).to_have_count(5)
            # The tabs open their pages: what waits for me, reporting, the inbox, me.
            tabs.locator("[data-tab='cases.inbox']").click()
            expect(page).to_have_url(f"{base}/cases/")
            expect(tabs.locator("[data-tab='cases.inbox']")).to_have_attribute(
                "aria-current", "page"
            )
            tabs.locator("[data-tab='cases.create']").click()
            expect(page).to_have_url(f"{base}/cases/new/")
            tabs.locator("[data-tab='notices.inbox']").click()
            expect(page).to_have_url(f"{base}/notices/")
            tabs.locator("[data-tab='accounts.me']").click()
            expect(page.locator("main")).to_contain_text(username)
            tabs.locator("[data-tab='accounts.home']").click()
            expect(page.locator("#home-title")).to_have_text(title)
        else:
            expect(tabs).to_be_hidden()
        assert console.unexpected() == [], console.errors
        assert page.evaluate("window.__cspViolations") == []
    finally:
        context.close()


def test_a_phone_folds_the_filters_away(browser, console, settings, live_server, worker):
    """On a phone a list's filters wait behind a button; on a desk they are open."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = new_context(browser, viewport={"width": 360, "height": 640})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        base = live_server.url
        _log_in(page, base, "worker")
        page.goto(f"{base}/ledger/")
        form = page.locator("#ledger-search")
        expect(form).to_be_hidden()
        page.locator("[data-filters-toggle]").click()
        expect(form).to_be_visible()
        page.set_viewport_size({"width": 1366, "height": 900})
        page.reload()
        expect(page.locator("#ledger-search")).to_be_visible()
        expect(page.locator("[data-filters-toggle]")).to_be_hidden()
    finally:
        context.close()
