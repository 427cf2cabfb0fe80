"""The tree browser in Chromium: log in, drill down by clicking, stay inside the scope,
log out, log in as the county admin; no CSP violation; usable on a 360-px phone."""

import re

import pytest
from playwright.sync_api import expect

from conftest import COUNTY, GRID, OTHER_VILLAGE, PASSWORD, VILLAGE

from .conftest import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/yiwang-tree-360.png"
SCREENSHOT_MENU = "/tmp/yiwang-tree-360-menu.png"


def _log_in(page, base_url, username):
    # The tree's address: after logging in, on to the user's area (not the home).
    page.goto(f"{base_url}/areas/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/areas/$"))
    expect(page.locator("h1")).to_have_text("登录")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()


def _log_out(page):
    page.locator("nav form[action='/logout/'] button").click()
    expect(page).to_have_url(re.compile(r"/login/$"))


def _assert_clean(page, console):
    assert page.evaluate("window.__cspViolations") == []
    assert console.csp_errors() == []
    assert console.unexpected() == []


def test_it_browses_the_tree_inside_the_users_scope(
    live_server, page, console, chief, county_admin, worker
):
    base = live_server.url

    # The chief logs in through the form and lands on his village.
    _log_in(page, base, "chief")
    expect(page).to_have_url(f"{base}/areas/{VILLAGE}/")
    expect(page.locator("#area-name")).to_have_text("南门社区居民委员会")
    children = page.locator("#children .child-name")
    expect(children).to_have_text(["第一网格", "第二网格"])
    _assert_clean(page, console)

    # Drilling down by clicking swaps the panel (htmx) and moves the address bar along;
    # the page itself is not reloaded, so a mark left on the window stays. (Once htmx has
    # taken the page in: a click before that is an ordinary navigation.)
    wait_until(page, "() => window.htmx && document.readyState === 'complete'")
    page.evaluate("window.__samePage = true")
    page.locator("#children a", has_text="第一网格").click()
    expect(page).to_have_url(f"{base}/areas/{GRID}/")
    expect(page.locator("#area-name")).to_have_text("第一网格")
    expect(page).to_have_title(re.compile("^第一网格"))
    expect(children).to_have_text(["第1单元", "第2单元"])
    page.locator("#children a", has_text="第1单元").click()
    expect(page.locator("#area-name")).to_have_text("第1单元")
    expect(page.locator("#area-posts")).to_contain_text("worker")
    assert page.evaluate("window.__samePage") is True

    # The language switch brings the user back to the area opened by the drill-down.
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(f"{base}/areas/{GRID}001/")
    expect(page.locator("#posts-heading")).to_have_text("Posts and people")
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("#posts-heading")).to_have_text("岗位与人员")

    # Up again through the breadcrumbs, then with the browser's back button.
    page.locator("#breadcrumbs a", has_text="南门社区居民委员会").click()
    expect(page).to_have_url(f"{base}/areas/{VILLAGE}/")
    expect(children).to_have_text(["第一网格", "第二网格"])
    page.go_back()
    expect(page).to_have_url(f"{base}/areas/{GRID}001/")
    expect(page.locator("#area-name")).to_have_text("第1单元")
    _assert_clean(page, console)

    # A village of another town is "not found", exactly like a code that does not exist.
    response = page.goto(f"{base}/areas/{OTHER_VILLAGE}/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("未找到")
    assert page.evaluate("window.__cspViolations") == []

    _log_out(page)

    # The county admin sees every town of the county.
    _log_in(page, base, "county")
    expect(page).to_have_url(f"{base}/areas/{COUNTY}/")
    expect(page.locator("#area-name")).to_have_text("汶上县")
    expect(page.locator("#children .list-group-item")).to_have_count(15)
    expect(page.locator("#children")).to_contain_text("中都街道")
    expect(page.locator("#children")).to_contain_text("汶上街道")
    _assert_clean(page, console)

    # On a 360-px phone: nothing wider than the screen, the menu folds behind its button.
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    expect(page.locator("#main-nav")).to_be_hidden()
    menu = page.locator("#main-nav")
    page.locator(".navbar-toggler").click()
    # Bootstrap ignores a click while the menu is still sliding.
    expect(menu).to_have_class(re.compile(r"\bcollapse show\b"))
    menu.locator("[data-menu-section=areas] > a").click()
    expect(menu.get_by_role("link", name="区域树")).to_be_visible()
    page.screenshot(path=SCREENSHOT_MENU)
    page.locator(".navbar-toggler").click()
    expect(menu).to_be_hidden()
    page.screenshot(path=SCREENSHOT, full_page=True)
    _assert_clean(page, console)


def _box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def test_the_map_draws_the_area_and_its_children_and_opens_a_child(
    live_server, page, console, chief
):
    from yiwang.areas.services import set_boundary

    set_boundary(actor=None, code=VILLAGE, boundary=_box(116.30, 35.40, 116.40, 35.45))
    set_boundary(actor=None, code=GRID, boundary=_box(116.30, 35.40, 116.35, 35.45))
    set_boundary(actor=None, code=VILLAGE + "002", boundary=_box(116.35, 35.40, 116.40, 35.45))
    base = live_server.url

    _log_in(page, base, "chief")
    expect(page).to_have_url(f"{base}/areas/{VILLAGE}/")

    # The village outline and its two grids, drawn from the page's own GeoJSON, no tiles.
    shapes = page.locator("#area-map path.leaflet-interactive")
    expect(shapes).to_have_count(2)
    expect(page.locator("#area-map path")).to_have_count(3)
    _assert_clean(page, console)
    page.locator("#area-map").screenshot(path="/tmp/yiwang-map.png")

    shapes.first.click()
    expect(page).to_have_url(f"{base}/areas/{GRID}/")
    expect(page.locator("#area-name")).to_have_text("第一网格")
    _assert_clean(page, console)


def test_opening_a_child_from_the_list_beside_a_map_breaks_no_csp_rule(
    live_server, page, console, chief
):
    # htmx settles the attributes of an element that keeps its id across a swap; the map's
    # container carries the style Leaflet gave it, and copying that as an attribute is an
    # inline style the CSP refuses. The map of the grid must be drawn afresh instead.
    from yiwang.areas.services import set_boundary

    set_boundary(actor=None, code=VILLAGE, boundary=_box(116.30, 35.40, 116.40, 35.45))
    set_boundary(actor=None, code=GRID, boundary=_box(116.30, 35.40, 116.35, 35.45))
    base = live_server.url

    _log_in(page, base, "chief")
    expect(page).to_have_url(f"{base}/areas/{VILLAGE}/")
    expect(page.locator("#area-map path")).to_have_count(2)

    page.locator("#children a", has_text="第一网格").click()
    expect(page).to_have_url(f"{base}/areas/{GRID}/")
    expect(page.locator("#area-name")).to_have_text("第一网格")
    expect(page.locator("#area-map path")).to_have_count(1)
    _assert_clean(page, console)
