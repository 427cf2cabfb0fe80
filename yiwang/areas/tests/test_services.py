"""Creating grids and units, boundaries, closing: validation, scope, audit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from conftest import GRID, OTHER_VILLAGE, TOWN, UNIT, VILLAGE
from yiwang.areas.models import Area, BoundaryVersion
from yiwang.areas.services import close_area, create_area, set_boundary
from yiwang.core.models import AuditEntry


def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _error(exc_info, field):
    return " ".join(exc_info.value.message_dict[field])


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_it_creates_a_grid_under_a_village_with_the_next_free_code(chief):
    grid = create_area(actor=chief, parent_code=VILLAGE, name="第三网格")

    assert grid.code == VILLAGE + "003" and grid.level == "grid" and grid.parent.code == VILLAGE
    entry = AuditEntry.objects.get(action="area.create", object_id=str(grid.pk))
    assert entry.actor == chief and entry.after["name"] == "第三网格"
    assert entry.area_code == grid.code


def test_it_takes_a_three_digit_code_of_the_users_choice(chief):
    unit = create_area(actor=chief, parent_code=GRID, name="第9单元", code="009")

    assert unit.code == GRID + "009" and unit.level == "unit"


def test_it_rejects_a_unit_under_a_town(county_admin):
    with pytest.raises(ValidationError) as exc:
        create_area(actor=county_admin, parent_code=TOWN, name="x", level="unit")

    assert "A unit can only be created under a grid." in _error(exc, "parent")
    assert not Area.objects.filter(level="unit", parent__code=TOWN).exists()


def test_it_rejects_a_grid_under_a_grid(county_admin):
    with pytest.raises(ValidationError) as exc:
        create_area(actor=county_admin, parent_code=GRID, name="x", level="grid")

    assert "A grid can only be created under a village." in _error(exc, "parent")


def test_it_rejects_a_town_or_village_created_by_hand(county_admin):
    with pytest.raises(ValidationError) as exc:
        create_area(actor=county_admin, parent_code=TOWN, name="新村")

    assert "official division codes" in _error(exc, "level")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("12", "digits"),
        ("abc", "digits only"),
        ("000", "cannot be 000"),
        ("370830001002001", "does not lie under"),
        (VILLAGE, "under itself"),
        ("370830001", "under itself"),
    ],
)
def test_it_rejects_malformed_codes_and_cycles(chief, code, reason):
    with pytest.raises(ValidationError) as exc:
        create_area(actor=chief, parent_code=VILLAGE, name="x", code=code)

    assert reason in _error(exc, "code")


def test_it_rejects_a_code_already_taken(chief):
    with pytest.raises(ValidationError) as exc:
        create_area(actor=chief, parent_code=VILLAGE, name="x", code="001")

    assert "already taken" in _error(exc, "code")


def test_it_answers_not_found_for_a_parent_outside_the_scope(chief):
    with pytest.raises(Http404):
        create_area(actor=chief, parent_code=OTHER_VILLAGE, name="x")

    assert not Area.objects.filter(parent__code=OTHER_VILLAGE, name="x").exists()


def test_a_grid_worker_may_not_change_the_tree(worker):
    with pytest.raises(Http404):  # the grid is above the worker's unit: outside the scope
        create_area(actor=worker, parent_code=GRID, name="x")
    with pytest.raises(PermissionDenied):
        set_boundary(actor=worker, code=UNIT, boundary=box(0, 0, 1, 1))


@pytest.mark.parametrize(
    ("boundary", "reason"),
    [
        ({"type": "Point", "coordinates": [116.3, 35.4]}, "Polygon or a MultiPolygon"),
        ("not json", "GeoJSON geometry"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "crosses itself",
        ),
        ({"type": "Polygon", "coordinates": [[[0, 0]]]}, "malformed"),
        (box(200, 0, 201, 1), "longitude/latitude"),
    ],
)
def test_it_rejects_a_boundary_that_is_not_a_valid_polygon(chief, boundary, reason):
    with pytest.raises(ValidationError) as exc:
        create_area(actor=chief, parent_code=VILLAGE, name="x", boundary=boundary)

    assert reason in _error(exc, "boundary")
    assert not Area.objects.filter(name="x").exists()


def test_it_rejects_a_boundary_outside_the_parents(chief):
    set_boundary(actor=chief, code=VILLAGE, boundary=box(116.0, 35.0, 116.1, 35.1))

    with pytest.raises(ValidationError) as exc:
        create_area(
            actor=chief, parent_code=VILLAGE, name="x", boundary=box(116.05, 35.05, 116.2, 35.2)
        )

    assert "inside the boundary of the parent" in _error(exc, "boundary")
    grid = create_area(
        actor=chief, parent_code=VILLAGE, name="y", boundary=box(116.0, 35.0, 116.05, 35.05)
    )
    assert grid.boundary["type"] == "Polygon"


def test_a_redrawn_boundary_keeps_its_history(chief):
    set_boundary(actor=chief, code=GRID, boundary=box(0, 0, 1, 1))
    set_boundary(actor=chief, code=GRID, boundary=box(0, 0, 2, 2))

    history = BoundaryVersion.objects.get(area__code=GRID)
    assert history.boundary == box(0, 0, 1, 1)
    assert history.valid_until >= history.valid_from
    assert Area.objects.get(code=GRID).boundary == box(0, 0, 2, 2)
    assert AuditEntry.objects.filter(action="area.set_boundary", area_code=GRID).count() == 2


def test_it_closes_an_empty_area_but_not_one_with_open_children(chief, tree):
    with pytest.raises(ValidationError) as exc:
        close_area(actor=chief, code=GRID)
    assert "sub-areas" in _error(exc, "closed_on")

    unit = create_area(actor=chief, parent_code=GRID, name="临时单元")
    closed = close_area(actor=chief, code=unit.code)

    assert closed.closed_on is not None and not Area.objects.open().filter(code=unit.code).exists()


def test_a_rename_with_a_bad_boundary_changes_nothing(chief):
    from yiwang.areas.services import update_area

    crossing = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(ValidationError):
        update_area(actor=chief, code=GRID, name="改名", boundary=crossing)

    assert Area.objects.get(code=GRID).name == "第一网格"


def test_a_boundary_may_not_shrink_away_from_its_children(chief):
    set_boundary(actor=chief, code=GRID, boundary=box(0, 0, 2, 2))
    set_boundary(actor=chief, code=UNIT, boundary=box(1, 1, 2, 2))

    with pytest.raises(ValidationError) as exc:
        set_boundary(actor=chief, code=GRID, boundary=box(0, 0, 1, 1))

    assert UNIT in _error(exc, "boundary")
    assert Area.objects.get(code=GRID).boundary == box(0, 0, 2, 2)


def test_it_rejects_a_name_longer_than_the_column(chief):
    with pytest.raises(ValidationError) as exc:
        create_area(actor=chief, parent_code=VILLAGE, name="网" * 101)

    assert "100" in _error(exc, "name")
