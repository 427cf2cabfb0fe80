"""Chromium through Playwright for the browser tests: the system's own Chromium, never a
downloaded one. Without it the tests skip, except on CI, where they must run."""

import datetime
import os
import re
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Records every Content-Security-Policy violation the page sees, whatever the console says.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def wait_for_request_threads(seconds: float = 5) -> None:
    """Let the live server's request threads (one a connection, kept alive by Chromium,
    or busy with a service worker's last fetch) finish, so that none holds a table the
    test reads or empties next (SQLite: "database table is locked")."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.02)


@pytest.fixture(autouse=True)
def _requests_finished():
    """After a test's pages are closed and before its database is emptied."""
    yield
    wait_for_request_threads()


@pytest.fixture(scope="session")
def browser():
    """One Chromium a test process (each test opens contexts of its own: its own cookies
    and storage), since starting it costs a second."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed; the browser tests need the system Chromium."
        if os.environ.get("CI"):
            pytest.fail(reason + " CI must run the browser tests, not skip them.")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


class ConsoleLog:
    """Errors the page reported: console errors, uncaught exceptions, CSP violations."""

    def __init__(self):
        self.errors: list[str] = []

    def csp_errors(self) -> list[str]:
        return [e for e in self.errors if "Content Security Policy" in e or "CSP" in e]

    def unexpected(self) -> list[str]:
        # A 404 page is an expected failed load when a test opens one on purpose.
        return [e for e in self.errors if "status of 404" not in e]


@pytest.fixture
def console():
    return ConsoleLog()


def new_context(browser, **options):
    """A browser context that records CSP violations and keeps the server's clock: under
    TEST_CLOCK_DAYS the pages' `Date` runs from the same moved time as the server's, so
    what a page stamps (an offline visit's time) is what the server expects."""
    options.setdefault("locale", "zh-CN")
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    context.add_init_script(CSP_LISTENER)
    if os.environ.get("TEST_CLOCK_DAYS"):
        context.clock.set_system_time(datetime.datetime.now(datetime.UTC))
    return context


@pytest.fixture
def page(browser, console, settings):
    # The live server speaks plain HTTP; secure-only cookies would not come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = new_context(browser)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda msg: msg.type == "error" and console.errors.append(msg.text))
    page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))
    yield page
    context.close()


@pytest.fixture
def open_page(browser, console, settings):
    """Pages in browser contexts of their own (one person each), of the size asked:
    `open_page(viewport=…, is_mobile=True, has_touch=True)`."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    contexts = []

    def make(**options):
        context = new_context(browser, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda msg: msg.type == "error" and console.errors.append(msg.text))
        page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, base, username):
    from playwright.sync_api import expect

    from conftest import PASSWORD

    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#current-user")).to_be_attached()


def wait_until(page, function, arg=None, timeout=15_000):
    """Ask the page a JavaScript function (awaited when it gives a promise) until it answers
    something truthy, and return that answer.

    Not ``page.wait_for_function``: after its first try it evals the expression again in
    the page, which the pages' CSP (no 'unsafe-eval') refuses, and it takes a promise for a
    truthy answer without waiting for it. ``page.evaluate`` is neither."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        answer = page.evaluate(function, arg)
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"Still not true after {timeout} ms: {function}")
        page.wait_for_timeout(50)


def assert_clean(page, console):
    """No CSP violation, no console error."""
    assert page.evaluate("window.__cspViolations") == []
    assert console.csp_errors() == []
    assert console.unexpected() == []


@pytest.fixture
def sw_network_events(monkeypatch):
    """Playwright's offline mode leaves a service worker's own fetches on the network;
    with this, they reach the context's routes, which then cut them off too. Set before
    the browser fixture starts Playwright's driver, which reads it."""
    monkeypatch.setenv("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")


def cut_off_service_worker(route):
    """A context route that fails the service worker's fetches (no signal)."""
    if route.request.service_worker:
        route.abort("internetdisconnected")
    else:
        route.continue_()


# A tracking code as the public pages show it: two groups of four characters of the
# codes' alphabet (no look-alikes).
def _grouped_code():
    from yiwang.cases.services.intake import TRACKING_ALPHABET

    group = f"[{TRACKING_ALPHABET}]{{4}}"
    return re.compile(rf"^{group} {group}$")


GROUPED_CODE = _grouped_code()


@pytest.fixture
def fresh_limits():
    """The public pages' flood limits and spent challenges live in the cache."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
