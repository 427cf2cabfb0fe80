"""The API documentation (Swagger UI, served from the app's own static files) in Chromium:
it renders the schema with no CSP violation and no console error."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_renders_the_api_docs_without_csp_violations(live_server, page, console, county_admin):
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "county")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#home-title")).to_be_visible()

    page.goto(f"{base}/api/v1/docs/")

    # The process's first schema is generated here (seconds; longer on a busy CI worker).
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Yiwang API", timeout=30_000)
    # The operations come from the schema the page fetched with the session.
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    # Swagger UI draws only the tags near the window (a virtual list): scroll to the areas.
    areas = page.locator("#operations-tag-areas")
    for _step in range(40):
        if areas.count():
            break
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(100)
    areas.scroll_into_view_if_needed()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/areas/")
    # The page's own inline <style> block applied: it is allowed on this page.
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(250, 250, 250)"
    page.screenshot(path="/tmp/yiwang-api-docs.png", full_page=False)
    assert page.evaluate("window.__cspViolations") == []
    assert console.csp_errors() == []
    assert console.errors == []
