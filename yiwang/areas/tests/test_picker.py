"""The area picker: what a name, pinyin initials, a code or a walk down the tree finds,
always within the viewer's scope, and the widget that shows the chosen area by name."""

import pytest
from django import forms
from django.urls import reverse

from conftest import COUNTY, GRID, OTHER_GRID, OTHER_UNIT, OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.areas.picker import AreaPicker, limit_to

pytestmark = pytest.mark.django_db

URL = reverse("areas:picker")


def _found(client, **params):
    response = client.get(URL, {**params, "format": "json"})
    assert response.status_code == 200
    return response.json()


def _codes(client, **params):
    return [row["code"] for row in _found(client, **params)["results"]]


def test_it_finds_an_area_by_part_of_its_name(client, chief):
    client.force_login(chief)
    results = _found(client, q="门社区")["results"]
    assert [row["code"] for row in results] == [VILLAGE]
    assert results[0]["name"] == "南门社区居民委员会"
    assert results[0]["level_label"] and results[0]["parent_name"] == "中都街道"


def test_it_finds_an_area_by_its_pinyin_initials(client, county_admin):
    client.force_login(county_admin)
    # 南门社区居民委员会 → nmsqjmwyh; 西门社区居委会 → xmsqjwh
    assert _codes(client, q="nmsq") == [VILLAGE]
    assert _codes(client, q="XMSQ") == [OTHER_VILLAGE]


def test_it_finds_an_area_by_the_start_of_its_code(client, chief):
    client.force_login(chief)
    assert _codes(client, q=GRID)[:1] == [GRID]
    assert set(_codes(client, q=GRID)) == {GRID, GRID + "001", GRID + "002"}


def test_it_shows_nothing_outside_the_viewers_scope(client, chief, county_admin):
    client.force_login(chief)
    # The other village by its name, its initials and its code; the same-named grid of
    # the other village is not among the chief's.
    assert _codes(client, q="西门社区") == []
    assert _codes(client, q="xmsq") == []
    assert _codes(client, q=OTHER_VILLAGE) == []
    assert _codes(client, q="第一网格") == [GRID]
    # Walking into it answers as for an area that does not exist; above the chief's
    # village there is nothing to see either.
    assert client.get(URL, {"parent": OTHER_VILLAGE}).status_code == 404
    assert client.get(URL, {"parent": TOWN}).status_code == 404
    assert client.get(URL, {"parent": "999999"}).status_code == 404
    client.force_login(county_admin)
    assert set(_codes(client, q="第一网格")) == {GRID, OTHER_GRID}


def test_it_starts_a_walk_at_the_viewers_own_areas(client, chief, worker, county_admin):
    client.force_login(worker)
    assert _codes(client) == [UNIT]
    client.force_login(chief)
    assert _codes(client) == [VILLAGE]
    client.force_login(county_admin)
    rows = _found(client)["results"]
    assert [row["code"] for row in rows] == [COUNTY]
    assert rows[0]["has_children"] is True


def test_it_walks_down_to_an_areas_children_with_the_path_above_it(client, chief, county_admin):
    client.force_login(chief)
    walk = _found(client, parent=VILLAGE)
    assert [row["code"] for row in walk["results"]] == [GRID, VILLAGE + "002"]
    assert all(row["has_children"] for row in walk["results"])
    # The path shows the chief's village, not the town above it.
    assert [step["code"] for step in walk["path"]] == [VILLAGE]
    walk = _found(client, parent=GRID)
    assert [row["code"] for row in walk["results"]] == [GRID + "001", GRID + "002"]
    assert not any(row["has_children"] for row in walk["results"])
    assert [step["code"] for step in walk["path"]] == [VILLAGE, GRID]
    client.force_login(county_admin)
    path = _found(client, parent=GRID)["path"]
    assert [step["code"] for step in path] == [COUNTY, TOWN, VILLAGE, GRID]


def test_it_offers_only_the_levels_that_may_be_picked(client, chief):
    client.force_login(chief)
    assert {row["level"] for row in _found(client, q="第", levels="unit")["results"]} == {"unit"}
    # A walk still goes through the other levels, which cannot be picked themselves.
    rows = _found(client, parent=VILLAGE, levels="unit")["results"]
    assert [row["pickable"] for row in rows] == [False, False]


def test_it_renders_buttons_to_choose_and_to_open(client, chief):
    client.force_login(chief)
    page = client.get(URL, {"parent": VILLAGE}).content.decode()
    assert f'data-picker-choose="{GRID}"' in page
    assert f'data-picker-open="{GRID}"' in page
    assert "第一网格" in page
    assert OTHER_VILLAGE not in page
    empty = client.get(URL, {"q": "西门"}).content.decode()
    assert "data-picker-empty" in empty and "data-picker-choose" not in empty


def test_it_needs_a_login(client, tree):
    response = client.get(URL, {"q": "南门"})
    assert response.status_code == 302


class _Form(forms.Form):
    area = forms.CharField(required=False, widget=AreaPicker(levels=("unit",)))


def test_the_widget_shows_the_chosen_area_by_name_and_posts_its_code(chief):
    form = _Form(data={"area": UNIT})
    limit_to(form, chief)
    html = str(form["area"])
    assert f'name="area" value="{UNIT}"' in html
    assert "第1单元" in html and "第一网格" in html
    assert 'data-levels="unit"' in html
    assert "<script" in html and "areas/picker.js" in html
    assert form.is_valid() and form.cleaned_data["area"] == UNIT


def test_the_widget_tells_nothing_of_an_area_outside_the_scope(chief):
    form = _Form(data={"area": OTHER_UNIT})
    limit_to(form, chief)
    html = str(form["area"])
    assert OTHER_UNIT in html  # the code as typed
    assert "第1单元" not in html and "西门" not in html
