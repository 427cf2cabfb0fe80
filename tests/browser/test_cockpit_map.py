"""The thematic map in Chromium under the strict CSP, with no tiles: the county admin sees
the towns coloured with a legend, switches to fixed breaks, clicks a town and lands on the
town's map; on a phone (360x640) nothing is wider than the screen. Screenshots under
artifacts/screenshots/cockpit-map-<size>.png."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from conftest import OTHER_TOWN, TOWN, UNIT, VILLAGE
from tests.browser.conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "artifacts" / "screenshots"
MARKUP_NAME = '<img src="/static/x.png" id="injected"><b>街道</b>'


def _box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture
def drawn(county_admin):
    from yiwang.areas.models import Area
    from yiwang.areas.services import set_boundary
    from yiwang.cases.models import Case
    from yiwang.cases.tests.conftest import new_case
    from yiwang.registry.services import create_household

    set_boundary(actor=None, code="370830", boundary=_box(116.0, 35.0, 116.6, 35.4))
    set_boundary(actor=None, code=TOWN, boundary=_box(116.0, 35.0, 116.3, 35.4))
    set_boundary(actor=None, code=OTHER_TOWN, boundary=_box(116.3, 35.0, 116.6, 35.4))
    set_boundary(actor=None, code=VILLAGE, boundary=_box(116.0, 35.0, 116.15, 35.2))
    Area.objects.filter(code=OTHER_TOWN).update(name=MARKUP_NAME)
    for number in ("001", "002", "003"):
        create_household(actor=None, unit_code=UNIT, number=number)
    case = new_case(UNIT)
    Case.objects.filter(pk=case.pk).update(lat=35.1, lng=116.05)


def _open_map(page, base, **query):
    params = "&".join(f"{k}={v}" for k, v in {"area": "370830", **query}.items())
    page.goto(f"{base}/cockpit/map/?{params}")
    expect(page.locator("#thematic-map path.leaflet-interactive").first).to_be_visible()


def test_the_county_admin_colours_the_towns_and_drills_into_one(
    live_server, open_page, console, drawn
):
    base = live_server.url
    page = open_page(viewport={"width": 1920, "height": 1080})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    log_in(page, base, "county")
    _open_map(page, base, indicator="registry.households")

    shapes = page.locator("#thematic-map path.leaflet-interactive")
    # Two towns, one case's point.
    expect(shapes).to_have_count(3)
    fills = page.evaluate(
        "[...document.querySelectorAll('#thematic-map .leaflet-overlay-pane path')]"
        ".map(p => p.getAttribute('fill'))"
    )
    assert len({f for f in fills if f and f != "none"}) >= 2, fills
    legend = page.locator("#thematic-map-legend li")
    expect(legend.first).to_be_visible()
    assert legend.count() >= 2
    # The labels are text: a name that looks like markup stays text.
    labels = page.locator(".leaflet-tooltip.map-label")
    expect(labels).to_have_count(2)
    expect(page.locator(".leaflet-tooltip.map-label", has_text="<b>街道</b>")).to_have_count(1)
    assert page.locator("#injected, .leaflet-tooltip b").count() == 0

    # Fixed breaks: a bad one gets a message, good ones redraw the legend.
    page.select_option("#thematic-map-classes", "fixed")
    expect(page.locator("#thematic-map-breaks")).to_be_visible()
    page.fill("#thematic-map-breaks", "5,2")
    page.locator("#thematic-map-breaks").dispatch_event("change")
    expect(page.locator("#thematic-map-breaks-error")).to_contain_text("递增")
    page.fill("#thematic-map-breaks", "1,2")
    page.locator("#thematic-map-breaks").dispatch_event("change")
    expect(page.locator("#thematic-map-breaks-error")).to_have_text("")
    expect(legend).to_have_count(3)
    expect(legend.first).to_contain_text("< 1")
    expect(legend.last).to_contain_text("≥ 2")
    expect(page).to_have_url(re.compile(r"classes=fixed.*breaks=1%2C2|breaks=1%2C2.*classes=fixed"))

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "cockpit-map-1920x1080.png"), full_page=True)
    assert_clean(page, console)
    assert all(url.startswith(base) for url in requests), "a request left the app"

    # A click on 中都街道 opens the town's map, with the choices kept.
    page.evaluate(
        "(() => { const m = document.getElementById('thematic-map').thematicMap;"
        " m.children.eachLayer(g => g.eachLayer(l => {"
        f" if (l.feature.properties.code === '{TOWN}') l.fire('click'); }})); }})()"
    )
    expect(page).to_have_url(re.compile(rf"/cockpit/map/\?.*area={TOWN}"))
    assert "classes=fixed" in page.url
    expect(page.locator("#map-crumbs")).to_contain_text("中都街道")
    expect(page.locator("#thematic-map path.leaflet-interactive").first).to_be_visible()
    expect(page.locator("#thematic-map-classes")).to_have_value("fixed")
    assert_clean(page, console)


def test_the_map_fits_a_phone(live_server, open_page, console, drawn):
    base = live_server.url
    page = open_page(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True)
    log_in(page, base, "county")
    _open_map(page, base)
    expect(page.locator("#thematic-map-legend li").first).to_be_visible()
    # The towns are in the map's frame.
    for shape in page.locator("#thematic-map .leaflet-overlay-pane path.leaflet-interactive").all():
        box = shape.bounding_box()
        assert box["width"] > 20 and box["height"] > 20
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "cockpit-map-360x640.png"), full_page=True)
    assert_clean(page, console)


def test_the_map_is_drawn_when_the_tiles_do_not_answer(live_server, open_page, console, drawn):
    from yiwang.accounts.models import User
    from yiwang.cockpit.map_services import set_tile_url

    set_tile_url(
        actor=User.objects.get(username="county"),
        county_code="370830",
        tile_url="http://127.0.0.1:9/tiles/{z}/{x}/{y}.png",
    )
    base = live_server.url
    page = open_page()
    log_in(page, base, "county")
    _open_map(page, base)
    expect(page.locator("[data-map-status]")).to_contain_text("底图无法访问")
    expect(page.locator("#thematic-map img.leaflet-tile")).to_have_count(0)
    expect(page.locator("#thematic-map path.leaflet-interactive").first).to_be_visible()
    # The tiles' server was allowed (no CSP violation): it just did not answer.
    assert page.evaluate("window.__cspViolations") == []
    assert [e for e in console.unexpected() if "Failed to load resource" not in e] == []


# A 1x1 PNG: what the tile server of the next test answers.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


def test_the_configured_tiles_are_drawn_under_the_areas(live_server, open_page, console, drawn):
    from yiwang.accounts.models import User
    from yiwang.cockpit.map_services import set_tile_url

    set_tile_url(
        actor=User.objects.get(username="county"),
        county_code="370830",
        tile_url="http://t{s}.tiles.test/{z}/{x}/{y}.png",
        subdomains="01",
        attribution="<b>审图号</b>",
    )
    base = live_server.url
    page = open_page()
    page.context.route(
        re.compile(r"^http://t[01]\.tiles\.test/"),
        lambda route: route.fulfill(status=200, content_type="image/png", body=PNG),
    )
    log_in(page, base, "county")
    _open_map(page, base)
    expect(page.locator("#thematic-map img.leaflet-tile-loaded").first).to_be_attached()
    expect(page.locator("#thematic-map-attribution")).to_have_text("<b>审图号</b>")
    expect(page.locator("[data-map-status]")).not_to_contain_text("底图无法访问")
    assert_clean(page, console)
