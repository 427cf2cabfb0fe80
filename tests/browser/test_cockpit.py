"""The cockpit in Chromium: the county admin clicks from the county down to a grid and
opens the records behind a figure; the cockpit at 360×640 and the big screen at 1920×1080
have nothing sticking out sideways; screenshots kept under artifacts/screenshots/."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from conftest import COUNTY, GRID, TOWN, UNIT, VILLAGE
from tests.browser.conftest import assert_clean, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "artifacts" / "screenshots"
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture
def ledger(tree):
    """Three households in a unit; the boundaries of the areas above it, nested."""
    from yiwang.areas.services import set_boundary
    from yiwang.registry.services import create_household

    for number in ("001", "002", "003"):
        create_household(actor=None, unit_code=UNIT, number=number)
    for code, box in (
        (COUNTY, (116.0, 35.0, 116.6, 35.4)),
        (TOWN, (116.0, 35.0, 116.3, 35.4)),
        (VILLAGE, (116.0, 35.0, 116.15, 35.2)),
        (GRID, (116.0, 35.0, 116.1, 35.1)),
    ):
        set_boundary(actor=None, code=code, boundary=_box(*box))


# The middle of a child's polygon on the screen, from the map's own layers.
CHILD_CENTRE = """code => {
  const m = document.getElementById('thematic-map').thematicMap;
  let found = null;
  m.children.eachLayer(g => g.eachLayer(l => {
    if (l.feature && l.feature.properties.code === code) found = l;
  }));
  if (!found) return null;
  const point = found._map.latLngToContainerPoint(found.getBounds().getCenter());
  const rect = found._map.getContainer().getBoundingClientRect();
  return {x: rect.left + point.x, y: rect.top + point.y};
}"""


def test_the_county_admin_drills_down_to_a_grid_and_opens_the_records(
    live_server, open_page, console, county_admin, ledger
):
    base = live_server.url
    page = open_page()
    log_in(page, base, "county")
    page.locator('[data-menu-item="cockpit.cockpit"]').first.dispatch_event("click")
    expect(page.locator("#cockpit-figures")).to_be_visible()
    expect(page.locator("#figure-registry-households .cockpit-value")).to_have_text("3")
    # Each figure draws its thirteen months with the vendored ECharts.
    expect(page.locator("#chart-registry-households canvas")).to_be_visible()
    # Down the map: a click on the child's polygon opens its cockpit.
    for code in (TOWN, VILLAGE, GRID):
        expect(page.locator("#thematic-map path.leaflet-interactive").first).to_be_visible()
        page.locator("#thematic-map").scroll_into_view_if_needed()
        centre = page.evaluate(CHILD_CENTRE, code)
        assert centre is not None, code
        page.mouse.click(centre["x"], centre["y"])
        expect(page).to_have_url(re.compile(rf"/cockpit/\?(.*&)?area={code}(&|$)"))
        expect(page.locator("#figure-registry-households .cockpit-value")).to_have_text("3")
    # And down the table, to a unit.
    page.locator(f'#cockpit-children tr[data-area="{UNIT}"] a').click()
    # (The map's script keeps its choices in the address: they may follow the area.)
    expect(page).to_have_url(re.compile(rf"/cockpit/\?area={UNIT}(&|$)"))
    page.locator("#cockpit-crumbs a", has_text="第一网格").click()
    # The breadcrumb goes back up; the figure opens its records: the grid's households.
    expect(page.locator("#cockpit-crumbs li")).to_have_count(4)
    page.locator("#figure-registry-households .cockpit-value").click()
    expect(page).to_have_url(re.compile(rf"under={GRID}"))
    expect(page.locator("main")).to_contain_text("001")
    assert_clean(page, console)


def test_the_cockpit_on_a_phone_and_the_big_screen_do_not_overflow(
    live_server, open_page, console, county_admin, ledger
):
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone = open_page(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True)
    log_in(phone, base, "county")
    phone.goto(f"{base}/cockpit/")
    expect(phone.locator("#chart-registry-households canvas")).to_be_visible()
    # Everything laid out: the charts and the map with its legend.
    expect(phone.locator("#thematic-map-legend li").first).to_be_visible()
    phone.wait_for_load_state("networkidle")
    assert phone.evaluate(OVERFLOW) <= 0
    phone.screenshot(path=str(SCREENSHOTS / "cockpit-phone.png"), full_page=True)

    screen = open_page(viewport={"width": 1920, "height": 1080})
    log_in(screen, base, "county")
    screen.goto(f"{base}/cockpit/")
    expect(screen.locator("#thematic-map-legend li").first).to_be_visible()
    screen.locator("#cockpit-screen-link").click()
    expect(screen.locator("#screen-title")).to_be_visible()
    expect(screen.locator("#figure-registry-households .screen-value")).to_contain_text("3")
    screen.wait_for_load_state("networkidle")
    assert screen.evaluate(OVERFLOW) <= 0
    # Readable across the room: the figures are large.
    size = screen.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.screen-value')).fontSize)"
    )
    assert size >= 48
    screen.screenshot(path=str(SCREENSHOTS / "cockpit-screen-1920.png"))
    assert_clean(phone, console)
    assert_clean(screen, console)
