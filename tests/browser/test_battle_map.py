"""The battle map in Chromium: the command post opens it from the menu, clicks the red
project's late milestone on the Gantt and reads, in the panel that opens, its problem with
the department and sees its latest site photo; the same page at 360×640 scrolls the chart
sideways inside its box, not the page. Screenshots under artifacts/screenshots/."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from yiwang.projects.tests.test_battle_map import seed

from .conftest import assert_clean, log_in, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "artifacts" / "screenshots"
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"

# The place on the screen of a project's first red, open milestone on the Gantt.
RED_MILESTONE = """id => {
  const node = document.getElementById('gantt');
  const data = JSON.parse(document.getElementById('gantt-data').textContent);
  const index = data.projects.findIndex(p => p.id === id);
  const m = data.projects[index].milestones.find(m => m[1] === 'red' && !m[2]);
  const point = node.gantt.convertToPixel({seriesIndex: 1}, [Date.parse(m[0] + 'T00:00:00Z'), index]);
  const rect = node.getBoundingClientRect();
  return {x: rect.left + point[0], y: rect.top + point[1]};
}"""


def test_the_command_post_follows_a_red_project_to_its_problem_and_photo(
    live_server,
    open_page,
    console,
    county_admin,
):
    rows = seed()
    base = live_server.url
    page = open_page()
    log_in(page, base, "county")
    page.locator('[data-menu-item="projects.map"]').first.dispatch_event("click")
    expect(page.locator("h1")).to_have_text("作战图")
    expect(page.locator("#gantt canvas").first).to_be_visible()
    wait_until(page, "() => document.getElementById('gantt').gantt !== undefined")
    page.locator("#gantt").scroll_into_view_if_needed()
    where = page.evaluate(RED_MILESTONE, rows["red"].pk)
    page.mouse.click(where["x"], where["y"])
    panel = page.locator("#project-panel")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-project", str(rows["red"].pk))
    expect(panel).to_contain_text("年产5万吨精密铸件技改项目")
    expect(panel).to_contain_text("李副县长")
    expect(panel.locator(".panel-red")).to_contain_text("主体开工")
    expect(panel.locator(".panel-problems")).to_contain_text("土地征收补偿款未拨付到位")
    expect(panel.locator(".panel-problems")).to_contain_text("县发展和改革局")
    photo = panel.locator("img.bm-photo")
    expect(photo).to_be_visible()
    wait_until(page, "() => document.querySelector('#project-panel img.bm-photo').naturalWidth > 0")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "battle-map.png"), full_page=True)
    # The table's link opens the project's own page, with its problem and site photo.
    page.locator(f'a.project-link[data-project="{rows["red"].pk}"]').first.click()
    expect(page).to_have_url(f"{base}/projects/{rows['red'].pk}/")
    expect(page.locator("body")).to_contain_text("土地征收补偿款未拨付到位")
    wait_until(
        page,
        "() => [...document.querySelectorAll('img')].some(i => i.src.includes('/projects/photos/')"
        " && i.naturalWidth > 0)",
    )
    assert_clean(page, console)


def test_the_battle_map_at_360_by_640(live_server, open_page, console, county_admin):
    seed()
    base = live_server.url
    page = open_page(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True)
    log_in(page, base, "county")
    page.goto(f"{base}/projects/map/")
    expect(page.locator("#gantt canvas").first).to_be_visible()
    # The chart scrolls inside its box; the page itself does not stick out sideways.
    assert page.evaluate(OVERFLOW) <= 0
    box = page.evaluate(
        "(() => { const s = document.getElementById('gantt-scroll');"
        " return [s.scrollWidth, s.clientWidth]; })()"
    )
    assert box[0] > box[1]
    expect(page.locator("#bottlenecks-departments")).to_contain_text("县发展和改革局")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "battle-map-360.png"), full_page=True)
    assert_clean(page, console)
