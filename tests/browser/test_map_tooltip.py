"""The map's tooltips show an area's name as text: a name that looks like markup stays text."""

import re

import pytest
from playwright.sync_api import expect

from conftest import GRID, PASSWORD, VILLAGE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARKUP_NAME = '<img src="/static/x.png" id="injected"><b>网格</b>'


def _box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def test_it_shows_an_area_name_in_the_map_tooltip_as_text_not_html(
    live_server, page, console, chief
):
    from yiwang.areas.models import Area
    from yiwang.areas.services import set_boundary

    set_boundary(actor=None, code=VILLAGE, boundary=_box(116.30, 35.40, 116.40, 35.45))
    set_boundary(actor=None, code=GRID, boundary=_box(116.30, 35.40, 116.35, 35.45))
    Area.objects.filter(code=GRID).update(name=MARKUP_NAME)
    base = live_server.url

    page.goto(f"{base}/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#home-title")).to_be_visible()
    page.goto(f"{base}/areas/")
    expect(page).to_have_url(re.compile(rf"/areas/{VILLAGE}/$"))

    shape = page.locator("#area-map path.leaflet-interactive").first
    expect(shape).to_be_visible()
    shape.hover()
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_text(MARKUP_NAME)
    assert page.locator(".leaflet-tooltip img, .leaflet-tooltip b").count() == 0
    assert page.locator("#injected").count() == 0
    assert page.evaluate("window.__cspViolations") == []
    assert console.unexpected() == []
