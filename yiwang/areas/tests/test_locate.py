"""Locating a point (lng, lat) to the unit that contains it."""

import pytest

from conftest import GRID, OTHER_GRID, UNIT, VILLAGE
from yiwang.areas.geometry import unit_locator
from yiwang.areas.services import set_boundary

from .test_services import box


@pytest.fixture
def mapped(tree):
    """Boundaries for the conftest units: two side by side in GRID, two in OTHER_GRID."""
    set_boundary(actor=None, code=VILLAGE, boundary=box(116.0, 35.0, 116.2, 35.1))
    set_boundary(actor=None, code=GRID, boundary=box(116.0, 35.0, 116.1, 35.1))
    set_boundary(actor=None, code=GRID + "001", boundary=box(116.0, 35.0, 116.05, 35.1))
    set_boundary(actor=None, code=GRID + "002", boundary=box(116.05, 35.0, 116.1, 35.1))
    set_boundary(actor=None, code=OTHER_GRID + "001", boundary=box(117.0, 36.0, 117.1, 36.1))
    return tree


def test_it_locates_a_point_to_the_unit_that_contains_it(mapped):
    locator = unit_locator()

    assert locator.locate(116.01, 35.05) == UNIT
    assert locator.locate(116.07, 35.05) == GRID + "002"
    assert locator.locate(117.05, 36.05) == OTHER_GRID + "001"


def test_it_finds_nothing_outside_every_unit(mapped):
    assert unit_locator().locate(100.0, 20.0) is None


def test_a_point_on_a_shared_edge_goes_to_the_lower_code(mapped):
    assert unit_locator().locate(116.05, 35.05) == UNIT


def test_the_locator_sees_a_redrawn_boundary(mapped):
    assert unit_locator().locate(116.01, 35.05) == UNIT
    set_boundary(actor=None, code=UNIT, boundary=box(116.0, 35.0, 116.02, 35.02))

    assert unit_locator().locate(116.01, 35.05) is None
    assert unit_locator().locate(116.01, 35.01) == UNIT


def test_bulk_location_agrees_with_one_by_one(mapped):
    import numpy as np

    points = np.array([[116.01, 35.05], [116.07, 35.05], [100.0, 20.0], [117.05, 36.05]])
    locator = unit_locator()

    assert locator.locate_many(points) == [locator.locate(x, y) for x, y in points]
