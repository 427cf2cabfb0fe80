"""The rates page draws its chart with the vendored ECharts under the strict CSP: no inline
script, no inline style, no request leaves the app; a click on a town's bar opens its rates."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, TOWN, UNIT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_draws_the_rates_chart_and_drills_into_a_town(live_server, page, console, county_admin):
    from yiwang.cases import services

    case = services.record_hotline_call(
        actor=None, category="sanitation", text="路口垃圾", unit_code=UNIT, phone="13812345678"
    )
    services.accept(actor=None, case_id=case.pk)
    base = live_server.url
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto(f"{base}/login/")
    page.fill("#id_username", "county")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{base}/cases/rates/")

    canvas = page.locator("#rates-chart canvas")
    expect(canvas).to_be_visible()
    assert page.evaluate("typeof echarts") == "object"
    chart = page.evaluate(
        "(() => { const c = echarts.getInstanceByDom(document.getElementById('rates-chart'));"
        " const o = c.getOption(); return {labels: o.xAxis[0].data, series: o.series.length}; })()"
    )
    assert "中都街道" in chart["labels"] and chart["series"] == 3
    assert page.locator("#total-response_rate").inner_text() == "100.0%"
    assert page.evaluate("window.__cspViolations") == []
    assert console.unexpected() == []
    assert all(url.startswith(base) for url in requests), "a request left the app"

    # A click on the town's label opens the town's rates, by village.
    page.evaluate(
        "(() => { const c = echarts.getInstanceByDom(document.getElementById('rates-chart'));"
        " c.trigger('click', {componentType: 'xAxis', value: '中都街道'}); })()"
    )
    expect(page).to_have_url(re.compile(rf"/cases/rates/\?area={TOWN}&"))
    expect(page.locator("#rates-chart canvas")).to_be_visible()
    page.locator("#rates-tabs a", has_text=re.compile("月|Month")).click()
    expect(page.locator("#rates-chart canvas")).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []
    assert console.unexpected() == []
