"""The roll-up of figures under each child of an area, and what reports by child area read."""

import pytest
from django.contrib.auth import get_user_model
from django.http import Http404

from conftest import COUNTY, GRID, OTHER_TOWN, TOWN, UNIT, VILLAGE
from yiwang.areas import selectors
from yiwang.areas.models import Area
from yiwang.areas.selectors import rollup

pytestmark = pytest.mark.django_db


def _by_code(rows):
    return {row["code"]: row for row in rows}


def test_it_rolls_up_grids_units_and_workers_under_each_town(
    worker, outsider, django_assert_num_queries
):
    county = Area.objects.get(code=COUNTY)
    with django_assert_num_queries(3):
        rows = rollup(county)
    assert [row["code"] for row in rows] == sorted(row["code"] for row in rows)
    assert len(rows) == 15
    assert {row["level"] for row in rows} == {"town"}
    rows = _by_code(rows)
    assert rows[TOWN] == {
        "code": TOWN,
        "name": "中都街道",
        "level": "town",
        "grids": 2,
        "units": 4,
        "workers": 1,
    }
    assert rows[OTHER_TOWN] | {"name": ""} == {
        "code": OTHER_TOWN,
        "name": "",
        "level": "town",
        "grids": 1,
        "units": 2,
        "workers": 1,
    }
    others = [row for code, row in rows.items() if code not in (TOWN, OTHER_TOWN)]
    assert all(row["grids"] == row["units"] == row["workers"] == 0 for row in others)


def test_it_counts_units_and_workers_under_each_grid_of_a_village(
    worker, django_assert_num_queries
):
    village = Area.objects.get(code=VILLAGE)
    with django_assert_num_queries(3):
        rows = rollup(village)
    assert rows == [
        {"code": GRID, "name": "第一网格", "level": "grid", "grids": 0, "units": 2, "workers": 1},
        {
            "code": VILLAGE + "002",
            "name": "第二网格",
            "level": "grid",
            "grids": 0,
            "units": 2,
            "workers": 0,
        },
    ]


def test_it_counts_workers_on_the_units_of_a_grid_in_two_queries(worker, django_assert_num_queries):
    grid = Area.objects.get(code=GRID)
    with django_assert_num_queries(2):
        rows = rollup(grid)
    assert [(r["code"], r["units"], r["workers"]) for r in rows] == [
        (UNIT, 0, 1),
        (GRID + "002", 0, 0),
    ]


def test_it_returns_nothing_for_a_unit(tree, django_assert_num_queries):
    unit = Area.objects.get(code=UNIT)
    with django_assert_num_queries(1):
        assert rollup(unit) == []


def test_it_does_not_count_posts_outside_the_subtree(worker, outsider):
    rows = _by_code(rollup(Area.objects.get(code=TOWN)))
    assert sum(row["workers"] for row in rows.values()) == 1


# --- what reports by child area read (yiwang.core.reporting) ----------------------------


def test_it_lists_the_children_with_whether_they_have_areas_below(tree, django_assert_num_queries):
    village = Area.objects.get(code=VILLAGE)
    with django_assert_num_queries(2):
        children = selectors.children(village)

    assert [c["code"] for c in children] == sorted(c["code"] for c in children)
    assert {c["level"] for c in children} == {"grid"}
    assert next(c for c in children if c["code"] == GRID)["has_children"] is True
    assert selectors.child_length(village) == len(VILLAGE) + 3
    assert selectors.children(Area.objects.get(code=UNIT)) == []


def test_the_figures_open_on_the_users_area_and_404_outside_it(county_admin, chief, worker):
    assert selectors.default_area(chief).code == VILLAGE
    assert selectors.default_area(county_admin).code == COUNTY
    root = get_user_model().objects.create_superuser("root", password="x")
    assert selectors.default_area(root).level == "county"
    assert selectors.area_in_scope(chief, f" {GRID} ").code == GRID
    with pytest.raises(Http404):
        selectors.area_in_scope(worker, VILLAGE)  # above the worker's unit
    assert [a.code for a in selectors.crumbs(worker, Area.objects.get(code=UNIT))] == [UNIT]
    assert [a.code for a in selectors.crumbs(chief, Area.objects.get(code=UNIT))] == [
        VILLAGE,
        GRID,
        UNIT,
    ]
