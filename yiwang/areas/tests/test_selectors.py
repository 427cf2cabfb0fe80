"""The roll-up of figures under each child of an area."""

import pytest

from conftest import COUNTY, GRID, OTHER_TOWN, TOWN, UNIT, VILLAGE
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
