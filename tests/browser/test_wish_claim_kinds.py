"""A wish's claim form on a phone (360x640): the blocks follow the claimer's kind (the
volunteer's search for a volunteer, the enterprise's for an enterprise, the members for a
group); an enterprise found by name claims the wish. No console error, no CSP violation."""

import pytest
from playwright.sync_api import expect

from yiwang.volunteering.models import WishClaim
from yiwang.volunteering.tests.test_wish_claim_page import make_enterprise
from yiwang.volunteering.tests.test_wishes import make_wish

from .conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}


def test_the_claim_form_follows_the_kind_and_an_enterprise_claims(
    open_page, console, live_server, worker
):
    wish = make_wish(worker)
    enterprise = make_enterprise()
    base = live_server.url
    page = open_page(**PHONE)
    log_in(page, base, "worker")
    page.goto(f"{base}/volunteering/wishes/{wish.pk}/")

    expect(page.locator("#claim-volunteer")).to_be_visible()
    expect(page.locator("#claim-enterprise")).to_be_hidden()
    expect(page.locator("#claim-group")).to_be_hidden()
    page.select_option("#id_kind", "group")
    expect(page.locator("#claim-group")).to_be_visible()
    expect(page.locator("#claim-volunteer")).to_be_hidden()
    page.select_option("#id_kind", "enterprise")
    expect(page.locator("#claim-enterprise")).to_be_visible()

    page.fill("#enterprise-q", "爱心")
    page.press("#enterprise-q", "Enter")
    page.locator("#enterprise-hits a", has_text="汶上爱心企业").click()
    expect(page.locator("#claim-enterprise-chosen")).to_contain_text("汶上爱心企业")
    expect(page.locator("#id_kind")).to_have_value("enterprise")
    expect(page.locator("#claim-volunteer")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("#claim-submit").click()

    expect(page.locator("#wish-claimer")).to_contain_text("汶****业")
    claim = WishClaim.objects.get(wish=wish)
    assert (claim.kind, claim.enterprise_id, claim.volunteer_id) == (
        "enterprise",
        enterprise.pk,
        None,
    )
    assert_clean(page, console)
