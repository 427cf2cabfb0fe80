"""The pass verifier on a conductor's phone (360×640) in Chromium: set up once with the
device code, then, offline, a valid pass accepted (its Ed25519 signature checked in the
browser with the vendored @noble/ed25519) and a tampered one refused with its reason; back
online, the kept use arrives at the server exactly once. No console error, no CSP
violation."""

import datetime
import json
import time
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from playwright.sync_api import expect

from conftest import GRID, UNIT, VILLAGE
from yiwang.points.models import AwardKind, Pass, PassUse
from yiwang.points.services import passes as services
from yiwang.points.tests.test_passes import (
    final_evaluation,
    last_month,
    make_benefit,
    make_household,
    select,
    tampered,
)

from .conftest import (
    assert_clean,
    cut_off_service_worker,
    new_context,
    wait_for_request_threads,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 640}


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _other_tokens(row) -> dict:
    """A malformed token, a pass that expired yesterday (signed with the current key), and
    one signed by a key this system does not know."""
    from yiwang.points.services import keys
    from yiwang.points.tests.test_passes import b64

    claims = services.claims_of(row)
    day = 24 * 3600
    expired = {**claims, "nbf": claims["nbf"] - 62 * day, "exp": int(time.time()) - day}
    stranger = Ed25519PrivateKey.generate()
    head = b64(json.dumps({"alg": "EdDSA", "kid": "stranger", "typ": "JWT"}).encode())
    body = row.token.split(".")[1]
    signed = b64(stranger.sign(f"{head}.{body}".encode()))
    return {
        "malformed": "abc.def",
        "expired": keys.sign(expired, keys.current_key()),
        "stranger": f"{head}.{body}.{signed}",
        "valid": row.token,
    }


def test_the_verifier_checks_offline_and_its_uses_arrive_once(
    browser, console, settings, live_server, tree
):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    make_household(UNIT, "001", "张三丰")
    make_benefit()
    select(final_evaluation(VILLAGE), AwardKind.RED_FLAG_GRID, grid_code=GRID)
    services.issue_passes(last_month())
    row = Pass.objects.get()
    _device, code = services.register_verifier(
        None, name="1路1号机", operator="县公交公司", place="1路公交"
    )

    context = new_context(
        browser, viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda msg: msg.type == "error" and console.errors.append(msg.text))
    page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))

    page.goto(f"{live_server.url}/public/passes/verifier/")
    expect(page.locator("#verifier")).to_have_attribute("data-ready", "true")
    page.fill("#setup-code", code.lower())  # typed as it comes: case and dashes do not matter
    page.fill("#setup-place", "1路公交")
    page.locator("#setup-form button[type=submit]").click()
    expect(page.locator("#verifier-check")).to_be_visible()
    expect(page.locator("#device-name")).to_have_text("1路1号机")
    # Fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    context.set_offline(True)
    expect(page.locator("#verifier-network")).to_have_class("badge text-bg-warning")
    page.fill("#verify-token", row.token)
    page.locator("#verify-button").click()
    result = page.locator("#verify-result")
    expect(result).to_have_attribute("data-valid", "true")
    expect(page.locator("#result-holder")).to_have_text("张*丰")
    expect(page.locator("#result-benefit")).to_have_text("县城公交免费乘车")
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting-count", "1")

    page.fill("#verify-token", tampered(row.token, hn="李*"))
    page.locator("#verify-button").click()
    expect(result).to_have_attribute("data-valid", "false")
    expect(result).to_have_attribute("data-code", "bad-signature")
    expect(page.locator("#result-reason")).to_contain_text("篡改")
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting-count", "1")
    assert PassUse.objects.count() == 0  # nothing left the phone

    # Each other refusal, with its own reason, by the page's own check (still offline).
    codes = page.evaluate(
        """async ([tokens, revokedId]) => {
            const {verifyToken} = await import("/static/points/verifier.js");
            const bundle = JSON.parse(localStorage.getItem("yiwang.verifier")).bundle;
            const revoked = {...bundle, revoked: [revokedId]};
            return [
                verifyToken(tokens.malformed, bundle),
                verifyToken(tokens.expired, bundle),
                verifyToken(tokens.stranger, bundle),
                verifyToken(tokens.valid, revoked),
            ].map((r) => [r.code, r.reason]);
        }""",
        [_other_tokens(row), str(row.pass_id)],
    )
    assert [code for code, _reason in codes] == ["malformed", "expired", "unknown-key", "revoked"]
    assert len({reason for _code, reason in codes}) == 4
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting-count", "1")

    context.set_offline(False)
    expect(page.locator("#queue-status")).to_have_attribute(
        "data-waiting-count", "0", timeout=15_000
    )
    assert _wait_for(lambda: PassUse.objects.count() == 1)
    use = PassUse.objects.get()
    assert use.benefit_pass == row and use.place == "1路公交" and not use.flagged

    # Opened again online, it has nothing more to send: the use stays one.
    page.reload()
    expect(page.locator("#verifier-check")).to_be_visible()
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting-count", "0")
    time.sleep(0.5)
    assert PassUse.objects.count() == 1

    # The resident's page of the pass: the QR code as wide as the phone allows, no wider.
    page.goto(f"{live_server.url}/public/passes/{row.pass_id}/")
    expect(page.locator("#public-holder")).to_have_text("张*丰")
    width = page.locator("#public-qr svg").bounding_box()["width"]
    assert 250 <= width <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_clean(page, console)
    context.close()


def test_the_verifier_opens_again_with_no_signal(
    sw_network_events, browser, console, settings, live_server, tree
):
    """Kept by its service worker, the page opens again offline (the next shift, no
    signal) with its keys, and accepts a valid pass."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    make_household(UNIT, "001", "张三丰")
    make_benefit()
    select(final_evaluation(VILLAGE), AwardKind.RED_FLAG_GRID, grid_code=GRID)
    services.issue_passes(last_month())
    row = Pass.objects.get()
    _device, code = services.register_verifier(None, name="景区东门", operator="县旅游公司")

    context = new_context(
        browser,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        timezone_id="Asia/Shanghai",
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
    url = f"{live_server.url}/public/passes/verifier/"
    page.goto(url)
    page.fill("#setup-code", code)
    page.fill("#setup-place", "东门")
    page.locator("#setup-form button[type=submit]").click()
    expect(page.locator("#verifier-check")).to_be_visible()
    # Active once it has kept the page and its files (install's addAll).
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => Boolean(r.active))")

    context.route("**/*", cut_off_service_worker)
    context.set_offline(True)
    page.reload()
    expect(page.locator("#verifier-check")).to_be_visible()
    expect(page.locator("#device-name")).to_have_text("景区东门")
    page.fill("#verify-token", row.token)
    page.locator("#verify-button").click()
    expect(page.locator("#verify-result")).to_have_attribute("data-valid", "true")
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting-count", "1")

    context.unroute("**/*")
    context.set_offline(False)
    expect(page.locator("#queue-status")).to_have_attribute(
        "data-waiting-count", "0", timeout=15_000
    )
    assert _wait_for(lambda: PassUse.objects.count() == 1)
    assert PassUse.objects.get().place == "东门"
    assert_clean(page, console)
    context.close()


def test_a_long_queue_goes_in_batches_and_a_refused_use_does_not_stop_it(
    browser, console, settings, live_server, tree, monkeypatch
):
    """More uses kept than the server takes at once (its limit, published in the bundle,
    here 5): they go in batches until none waits. A use the server refuses as a whole (its
    batch answered 400) is found by halving the batch, kept on the phone flagged with the
    server's reason (shown under the queue), and the uses after it still arrive."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    monkeypatch.setattr(services, "MAX_USES_A_BATCH", 5)
    make_household(UNIT, "001", "张三丰")
    make_benefit()
    select(final_evaluation(VILLAGE), AwardKind.RED_FLAG_GRID, grid_code=GRID)
    services.issue_passes(last_month())
    row = Pass.objects.get()
    _device, code = services.register_verifier(None, name="1路2号机", operator="县公交公司")

    context = new_context(
        browser, viewport=PHONE, is_mobile=True, has_touch=True, timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    refusals = []  # the 400s this test asks for: expected, not errors
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and (refusals if "status of 400" in msg.text else console.errors).append(msg.text)
        ),
    )
    page.on("pageerror", lambda exc: console.errors.append(f"pageerror: {exc}"))
    page.goto(f"{live_server.url}/public/passes/verifier/")
    expect(page.locator("#verifier")).to_have_attribute("data-ready", "true")
    page.fill("#setup-code", code)
    page.fill("#setup-place", "1路公交")
    page.locator("#setup-form button[type=submit]").click()
    expect(page.locator("#verifier-check")).to_be_visible()
    assert page.evaluate("JSON.parse(localStorage.getItem('yiwang.verifier')).bundle.max_uses") == 5

    context.set_offline(True)
    now = timezone.now()
    records = [
        {
            "uuid": str(uuid.uuid4()),
            "jti": str(row.pass_id),
            "token": row.token,
            "used_at": (now - datetime.timedelta(seconds=12 - i)).isoformat(),
            "place": "1路公交",
            "device": "1路2号机",
        }
        for i in range(12)
    ]
    poison = records[6]["uuid"]
    page.evaluate(
        "(records) => localStorage.setItem('yiwang.verifier.queue', JSON.stringify(records))",
        records,
    )

    sizes, answered = [], []

    def uses_route(route):
        uuids = [u["uuid"] for u in json.loads(route.request.post_data)["uses"]]
        sizes.append(len(uuids))
        if poison in uuids:
            answered.append(400)
            route.fulfill(
                status=400,
                content_type="application/json",
                body=json.dumps({"uses": ["此条使用记录无法接收：测试"]}, ensure_ascii=False),
            )
        else:
            answered.append(200)
            route.continue_()

    page.route("**/api/v1/passes/uses/", uses_route)
    context.set_offline(False)
    # The route's handler runs while Playwright is called: wait through the page until the
    # queue holds nothing but the refused use, and only then read the database, so that
    # no read meets a request thread's write on SQLite ("database table is locked").
    for _i in range(200):
        if not page.evaluate(
            "JSON.parse(localStorage.getItem('yiwang.verifier.queue')).some((r) => !r.error)"
        ):
            break
        page.wait_for_timeout(100)
    wait_for_request_threads()
    assert PassUse.objects.count() == 11, (sizes, answered)
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting-count", "0")
    assert poison not in {str(u) for u in PassUse.objects.values_list("uuid", flat=True)}
    assert max(sizes) == 5 and 400 in answered
    refused_list = page.locator("#queue-refused")
    expect(refused_list).to_have_attribute("data-refused-count", "1")
    expect(refused_list.locator(f'li[data-uuid="{poison}"]')).to_contain_text("无法接收：测试")
    kept = page.evaluate("JSON.parse(localStorage.getItem('yiwang.verifier.queue'))")
    assert [(r["uuid"], r["error"]) for r in kept] == [(poison, "此条使用记录无法接收：测试")]
    assert_clean(page, console)
    context.close()
