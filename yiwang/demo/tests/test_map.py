"""The demo county's map: the vendored outline of Jiaxiang County, its decoding from ECharts'
encoded form, and the synthetic cells nested inside it."""

import json
import math

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from conftest import SHARED
from yiwang.areas.models import Area, Level
from yiwang.demo import cells
from yiwang.demo.areas import COUNTY_CODE, SCALES, boundaries, build_demo
from yiwang.demo.outline import OUTLINE_FILE, county_outline, decode_geometry, decode_ring


@pytest.fixture
def demo(db):
    # Built once a session, restored for each test (tests/snapshots.py).
    return SHARED.build_or_restore(
        "demo-town", lambda: build_demo("town", seed=2026), reload=lambda counts: counts
    )


def _km2(geometry: shapely.Geometry) -> float:
    """The area in km², on a local equal-area (sinusoidal) projection: plenty for a county."""
    return shapely.transform(
        geometry,
        lambda xy: np.column_stack(
            [xy[:, 0] * 111.32 * np.cos(np.radians(xy[:, 1])), xy[:, 1] * 111.32]
        ),
    ).area


def test_it_decodes_an_echarts_ring_as_echarts_does():
    # '@' is 64: a zero step, so the first point is the offsets; 'B' is 2, zigzag +1;
    # 'A' is 1, zigzag −1; 'C' is 3, zigzag −2; 'D' is 4, zigzag +2.
    ring = decode_ring("@@BACD", (1024, 2048))
    assert ring == [[1.0, 2.0], [1025 / 1024, 2047 / 1024], [1023 / 1024, 2049 / 1024]]
    polygon = {"type": "Polygon", "coordinates": ["@@BA"], "encodeOffsets": [[0, 1024]]}
    assert decode_geometry(polygon) == {
        "type": "Polygon",
        "coordinates": [[[0.0, 1.0], [1 / 1024, 1023 / 1024]]],
    }
    with pytest.raises(ValueError):
        decode_ring("@@B", (0, 0))


def test_the_vendored_outline_is_jiaxiang_county():
    feature = json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))
    assert feature["properties"]["code"] == COUNTY_CODE
    assert feature["properties"]["name"] == "嘉祥县"
    assert (OUTLINE_FILE.parent / "LICENSE").read_text().startswith("MIT License")
    outline = shape(county_outline())
    assert outline.geom_type == "Polygon" and outline.is_valid
    assert outline.exterior.is_ccw  # RFC 7946
    west, south, east, north = outline.bounds
    assert 116.10 < west < 116.13 and 116.50 < east < 116.53
    assert 35.18 < south < 35.20 and 35.63 < north < 35.65
    assert 930 < _km2(outline) < 1030  # the county is about 970 km²


def test_the_county_boundary_is_its_outline_and_each_level_tiles_the_one_above(demo):
    rows = list(Area.objects.values_list("code", "level", "boundary"))
    county = shape(Area.objects.get(code=COUNTY_CODE).boundary)
    outline = shape(county_outline())
    # Simplified by 1e-4 degree (about 10 m) and rounded: the same county.
    assert shapely.hausdorff_distance(county, outline) < 2e-4
    assert county.symmetric_difference(outline).area < 1e-3 * outline.area
    for level in (Level.TOWN, Level.VILLAGE, Level.GRID, Level.UNIT):
        parts = [shape(b) for _c, lv, b in rows if lv == level]
        whole = shapely.union_all(parts)
        assert whole.symmetric_difference(county).area < county.length * 1e-6, level
    for _code, _level, boundary in rows:
        geometry = shape(boundary)
        assert geometry.geom_type in ("Polygon", "MultiPolygon") and geometry.is_valid
        polygons = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
        assert all(p.exterior.is_ccw and not p.is_empty for p in polygons)
        xy = shapely.get_coordinates(geometry)
        assert np.array_equal(xy, np.round(xy, 6))  # 6 decimals


def test_the_same_seed_draws_the_same_map_and_another_seed_another(demo):
    stored = dict(Area.objects.values_list("code", "boundary"))
    again = boundaries(SCALES["town"], 2026)
    assert json.loads(json.dumps(again)) == stored
    other = boundaries(SCALES["town"], 7)
    # The same county (its vertices differ where the other towns' edges meet it).
    county, other_county = shape(again[COUNTY_CODE]), shape(other[COUNTY_CODE])
    assert shapely.hausdorff_distance(county, other_county) < 2e-6
    assert other[COUNTY_CODE + "001"] != again[COUNTY_CODE + "001"]


def test_cells_tile_a_concave_parent_in_reading_order():
    # An L-shaped parent, where a Voronoi cell may be cut in two by the notch.
    parent = shapely.Polygon([(0, 0), (1, 0), (1, 0.4), (0.4, 0.4), (0.4, 1), (0, 1)])
    (children,) = cells.split([parent], [9], [1], seed=3)
    assert len(children) == 9
    assert all(c.geom_type == "Polygon" and c.area > 0 for c in children)
    assert shapely.union_all(children).symmetric_difference(parent).area < 1e-12
    assert sum(c.area for c in children) == pytest.approx(parent.area, rel=1e-9)
    tops = [c.centroid.y for c in children]
    assert tops[0] > tops[-1]  # numbered from the north
    (same,) = cells.split([parent], [9], [1], seed=3)
    assert [c.wkb for c in same] == [c.wkb for c in children]
    (whole,), rounded = cells.snap(children, [[0] * 9])
    assert whole.symmetric_difference(parent).area < 1e-9
    assert len(rounded) == 9 and math.isclose(sum(c.area for c in rounded), whole.area)
    assert shapely.union_all(rounded).equals(whole)
