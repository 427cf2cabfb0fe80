"""The tree browser: the user's roots, an area page, drilling down, creating grids and units."""

import pytest
from django.urls import reverse

from conftest import COUNTY, GRID, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area
from yiwang.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _detail(code):
    return reverse("areas:detail", args=[code])


def _create(code):
    return reverse("areas:create", args=[code])


def test_it_redirects_home_to_the_users_only_root(client, chief):
    client.force_login(chief)
    response = client.get(reverse("areas:home"))
    assert response.status_code == 302
    assert response["Location"] == _detail(VILLAGE)


def test_it_redirects_a_county_admin_to_the_county(client, county_admin):
    client.force_login(county_admin)
    assert client.get(reverse("areas:home"))["Location"] == _detail(COUNTY)


def test_it_shows_the_chief_his_villages_grids(client, chief, worker):
    client.force_login(chief)
    response = client.get(_detail(VILLAGE))
    assert response.status_code == 200
    page = response.content.decode()
    assert "南门社区居民委员会" in page
    assert "第一网格" in page and "第二网格" in page
    assert [c["code"] for c in response.context["children"]] == [GRID, VILLAGE + "002"]
    assert response.context["children"][0]["units"] == 2
    assert response.context["children"][0]["workers"] == 1
    # The chief's own post is listed with a masked phone column.
    assert [p.user.username for p in response.context["posts"]] == ["chief"]
    # Breadcrumbs stop at his scope: the town and the county are not his to see.
    assert list(response.context["ancestors"]) == []


def test_it_shows_breadcrumbs_of_visible_ancestors(client, county_admin):
    client.force_login(county_admin)
    response = client.get(_detail(GRID))
    assert [a.code for a in response.context["ancestors"]] == [COUNTY, TOWN, VILLAGE]
    assert response.context["area"].level == "grid"


def test_it_masks_the_phone_of_people_on_the_area(client, county_admin, chief):
    chief.phone = "13812345678"
    chief.save()
    client.force_login(county_admin)
    page = client.get(_detail(VILLAGE)).content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page


def test_it_answers_404_for_another_towns_village(client, outsider, chief):
    client.force_login(outsider)
    response = client.get(_detail(VILLAGE))
    assert response.status_code == 404
    assert "未找到" in response.content.decode()


def test_it_answers_404_for_a_missing_code(client, chief):
    client.force_login(chief)
    response = client.get(_detail("370830001001999"))
    assert response.status_code == 404
    assert "未找到" in response.content.decode()


def test_it_answers_404_for_an_area_above_the_users_post(client, chief):
    client.force_login(chief)
    assert client.get(_detail(TOWN)).status_code == 404


def test_it_shows_the_county_admin_all_fifteen_towns(client, county_admin):
    client.force_login(county_admin)
    response = client.get(_detail(COUNTY))
    assert response.status_code == 200
    towns = Area.objects.filter(level="town").order_by("code")
    assert towns.count() == 15
    assert [c["code"] for c in response.context["children"]] == [t.code for t in towns]
    page = response.content.decode()
    for town in towns:
        assert town.name in page


def test_it_returns_the_panel_alone_to_an_htmx_drill_down(client, chief):
    client.force_login(chief)
    response = client.get(_detail(GRID), headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<div id="area-panel"' in page
    assert '<nav class="navbar' not in page
    assert "<title>第一网格" in page
    # The language switcher in the menu, which the panel does not replace, learns the new page.
    assert (
        f'<input type="hidden" name="next" id="language-next" value="{_detail(GRID)}" '
        'hx-swap-oob="true">' in page
    )
    assert "HX-Request" in response["Vary"]


def test_it_returns_the_whole_page_to_an_htmx_history_restore(client, chief):
    client.force_login(chief)
    response = client.get(
        _detail(GRID), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert '<nav class="navbar' in response.content.decode()


def test_it_renders_the_tree_page_in_a_few_queries(
    client, county_admin, worker, outsider, django_assert_max_num_queries
):
    client.force_login(county_admin)
    # Session, user, the viewer's posts, the area, breadcrumbs, 3 for the roll-up, posts,
    # and the ledger's roll-up: tag names, children, active tags, 3 GROUP BYs; the count
    # of unread case notices on the menu.
    with django_assert_max_num_queries(16):
        response = client.get(_detail(COUNTY))
    assert response.status_code == 200
    with django_assert_max_num_queries(16):
        client.get(_detail(VILLAGE))


def test_it_shows_the_create_form_only_to_area_managers(client, chief, worker):
    client.force_login(chief)
    assert client.get(_detail(VILLAGE)).context["form"] is not None
    assert client.get(_detail(GRID)).context["form"] is not None
    # Not on a unit: nothing can be created under it.
    assert client.get(_detail(UNIT)).context["form"] is None
    client.force_login(worker)
    response = client.get(_detail(UNIT))
    assert response.context["form"] is None
    assert 'id="create-area-form"' not in response.content.decode()


def test_it_creates_a_grid_from_the_village_page_with_an_audit_entry(client, chief):
    client.force_login(chief)
    response = client.post(_create(VILLAGE), {"name": "第三网格", "level": "grid"})
    assert response.status_code == 302
    assert response["Location"] == _detail(VILLAGE)
    grid = Area.objects.get(parent__code=VILLAGE, name="第三网格")
    assert grid.code == VILLAGE + "003"
    assert grid.level == "grid"
    entry = AuditEntry.objects.get(action="area.create", object_id=str(grid.pk))
    assert entry.source == "web"
    assert entry.actor == chief
    assert entry.area_code == grid.code
    page = client.get(response["Location"]).content.decode()
    assert "第三网格" in page
    assert "已创建" in page


def test_it_creates_a_unit_with_a_chosen_code(client, chief):
    client.force_login(chief)
    response = client.post(_create(GRID), {"name": "第9单元", "code": "009", "level": "unit"})
    assert response.status_code == 302
    assert Area.objects.get(code=GRID + "009").level == "unit"


def test_it_shows_the_services_error_on_the_form_in_chinese(client, chief):
    client.force_login(chief)
    response = client.post(_create(GRID), {"name": "重号", "code": "001", "level": "unit"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"code": [f"代码 {UNIT} 已被占用。"]}
    assert f"代码 {UNIT} 已被占用。" in response.content.decode()


def test_it_refuses_an_empty_name(client, chief):
    client.force_login(chief)
    response = client.post(_create(VILLAGE), {"name": " ", "level": "grid"})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not Area.objects.filter(parent__code=VILLAGE, code=VILLAGE + "003").exists()


def test_it_refuses_a_unit_under_a_town_in_chinese(client, town_admin):
    client.force_login(town_admin)
    response = client.post(_create(TOWN), {"name": "错位单元", "level": "unit"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["单元网格只能建在二级网格之下。"]
    assert "单元网格只能建在二级网格之下。" in response.content.decode()
    assert not Area.objects.filter(name="错位单元").exists()
    assert not AuditEntry.objects.filter(action="area.create", actor=town_admin).exists()


def test_it_refuses_a_create_by_a_worker_with_403(client, worker):
    client.force_login(worker)
    response = client.post(_create(UNIT), {"name": "越权", "level": "unit"})
    assert response.status_code == 403
    assert "您的岗位不允许修改此区域。" in response.content.decode()
    assert not Area.objects.filter(name="越权").exists()


def test_it_answers_404_to_a_create_outside_the_scope(client, outsider, chief):
    client.force_login(outsider)
    response = client.post(_create(VILLAGE), {"name": "越界", "level": "grid"})
    assert response.status_code == 404


def test_it_rejects_get_on_the_create_url(client, chief):
    client.force_login(chief)
    assert client.get(_create(VILLAGE)).status_code == 405


def test_the_map_data_holds_the_area_and_its_children_with_boundaries(client, chief):
    from yiwang.areas.services import set_boundary

    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    half = {"type": "Polygon", "coordinates": [[[0, 0], [0.5, 0], [0.5, 1], [0, 1], [0, 0]]]}
    set_boundary(actor=None, code=VILLAGE, boundary=square)
    set_boundary(actor=None, code=GRID, boundary=half)
    client.force_login(chief)

    data = client.get(f"/areas/{VILLAGE}/map.geojson").json()
    page = client.get(f"/areas/{VILLAGE}/").content.decode()

    assert [(f["properties"]["code"], f["properties"]["role"]) for f in data["features"]] == [
        (VILLAGE, "self"),
        (GRID, "child"),
    ]
    assert data["features"][1]["properties"]["url"] == f"/areas/{GRID}/"
    assert f'data-src="/areas/{VILLAGE}/map.geojson"' in page
