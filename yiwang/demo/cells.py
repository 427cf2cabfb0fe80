"""Synthetic boundaries for the demo's towns, villages, grids and units: nested Voronoi cells.

The county's outline is real (yiwang/demo/outline.py); everything inside it is made up. Each
level is cut from the one above it: seeded random points inside each parent, moved a few
times to the centres of their cells (Lloyd's relaxation, so that the cells come out of even
sizes), then the Voronoi diagram of the points clipped to the parent. All parents of a level
are cut in one vectorised shapely call.

Rounding to 6 decimals (about 0.1 m) cell by cell would leave slivers wherever a cell has a
vertex on its parent's edge that the neighbouring parent's cells do not have. So the units
are rounded together instead: their boundaries are noded with snap-rounding on a 1e-6 degree
grid and polygonized into faces, each face goes to the unit it came from, and every area
above a unit is the union of its children. Each level therefore tiles the one above it
exactly, neighbours share their edges vertex for vertex, and the county is the union of the
towns: its rounded outline, bent by at most 1e-6 degree where a town's edge meets it.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.polygon import orient

GRID = 1e-6  # the coordinates' precision in degrees: 6 decimals, about 0.1 m
DIGITS = 6
# The outline's vertices lie on ECharts' 1/1024 degree grid (about 100 m), with many steps
# along straight stretches: dropping what is within 1e-4 degree (about 10 m) costs nothing.
SIMPLIFY = 1e-4
LLOYD_STEPS = 2


def county_geometry(geojson: dict) -> shapely.Geometry:
    """The county's outline, lightly simplified and on the 6-decimal grid."""
    geometry = shapely.simplify(shape(geojson), SIMPLIFY, preserve_topology=True)
    return shapely.set_precision(geometry, GRID)


def _random_points(parent: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` uniformly random points inside `parent` (rejection sampling from its bounds)."""
    west, south, east, north = parent.bounds
    fill = max(parent.area / ((east - west) * (north - south)), 0.05)
    found = np.empty((0, 2))
    while len(found) < n:
        m = math.ceil((n - len(found)) / fill * 1.5) + 8
        xy = np.column_stack([rng.uniform(west, east, m), rng.uniform(south, north, m)])
        found = np.vstack([found, xy[shapely.contains_xy(parent, xy[:, 0], xy[:, 1])]])
    return found[:n]


def _voronoi(parents: np.ndarray, seeds: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """The Voronoi cells of each parent's seeds clipped to the parent, in the seeds' order."""
    points = shapely.multipoints(seeds, indices=owner)
    frames = shapely.buffer(shapely.envelope(parents), 1.0, join_style="mitre")
    diagrams = shapely.voronoi_polygons(points, extend_to=frames, ordered=True)
    cells, index = shapely.get_parts(diagrams, return_index=True)
    if not np.array_equal(index, owner):
        raise ValueError("the Voronoi diagram lost a seed (two seeds at the same point)")
    return shapely.intersection(cells, parents[owner])


def _reading_order(seeds: np.ndarray) -> np.ndarray:
    """The seeds' indices in rows from north to south, each row from west to east, as a map
    is read (so that the codes 001, 002, … run across the parent)."""
    n = len(seeds)
    rows = max(1, round(math.sqrt(n)))
    by_north = np.argsort(-seeds[:, 1], kind="stable")
    order, start = [], 0
    for r in range(rows):
        size = (r + 1) * n // rows - r * n // rows
        row = by_north[start : start + size]
        order.extend(row[np.argsort(seeds[row, 0], kind="stable")])
        start += size
    return np.array(order, dtype=int)


def split(parents: list, counts: list[int], keys: list[int], seed: int) -> list[list]:
    """Each parent cut into its count of cells that tile it (unrounded), in reading order.

    Every parent's points come from a generator seeded with (`seed`, its key), so a parent's
    cells do not depend on the other parents.
    """
    parents = np.array(parents, dtype=object)
    owner = np.repeat(np.arange(len(parents)), counts)
    seeds = np.vstack(
        [
            _random_points(parent, n, np.random.default_rng([seed, key]))
            for parent, n, key in zip(parents, counts, keys, strict=True)
        ]
    )
    for _ in range(LLOYD_STEPS):
        cells = _voronoi(parents, seeds, owner)
        centres = shapely.get_coordinates(shapely.centroid(cells))
        inside = shapely.contains_xy(parents[owner], centres[:, 0], centres[:, 1])
        # A centroid outside a concave parent would leave its cell empty: keep such a cell
        # on a point of its own instead.
        seeds = np.where(
            inside[:, None], centres, shapely.get_coordinates(shapely.point_on_surface(cells))
        )
    cells = _voronoi(parents, seeds, owner)
    result, start = [], 0
    for n in counts:
        siblings = _merge_strays(list(cells[start : start + n]))
        order = _reading_order(seeds[start : start + n])
        result.append([siblings[i] for i in order])
        start += n
    return result


def _merge_strays(cells: list) -> list:
    """Siblings without stray pieces: where a concave parent cuts a cell in two, its
    smaller pieces go to the sibling each shares the longest edge with."""
    for i, cell in enumerate(cells):
        if cell.geom_type != "MultiPolygon":
            continue
        main, *strays = sorted(shapely.get_parts(cell), key=lambda p: -p.area)
        kept = [main]
        for stray in strays:
            shared = [
                (shapely.intersection(stray.boundary, other.boundary).length, j)
                for j, other in enumerate(cells)
                if j != i
            ]
            length, j = max(shared)
            if length > 0:
                cells[j] = shapely.union(cells[j], stray)
            else:
                kept.append(stray)
        cells[i] = shapely.union_all(kept)
    return cells


def snap(units: list, parent_of: list[list[int]]) -> list[list]:
    """The units rounded together onto the 6-decimal grid, and every level above them as the
    union of its children.

    `parent_of[k][i]` is the index, in level k, of the parent of item i of level k + 1 (the
    last list maps the units to their grids). Returns the geometries level by level, the
    root level first and the units last.
    """
    units = np.array(units, dtype=object)
    noded = shapely.union_all(shapely.boundary(units), grid_size=GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[shapely.area(faces) > 0]
    _faces, owner = shapely.STRtree(units).query_nearest(
        shapely.point_on_surface(faces), all_matches=False
    )
    levels = [_union_by(faces, owner, len(units))]
    for parents in reversed(parent_of):
        levels.append(_union_by(levels[-1], np.asarray(parents), max(parents) + 1))
    return levels[::-1]


def _union_by(parts: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    order = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[order], np.arange(n + 1))
    wholes = np.empty(n, dtype=object)
    for i in range(n):
        group = parts[order[bounds[i] : bounds[i + 1]]]
        if len(group) == 0:
            raise ValueError("a cell vanished when its coordinates were rounded")
        wholes[i] = group[0] if len(group) == 1 else shapely.coverage_union_all(group)
    return wholes


def to_geojson(geometry: shapely.Geometry) -> dict:
    """A GeoJSON Polygon or MultiPolygon, exterior rings counter-clockwise (RFC 7946)."""

    def rings(polygon):
        polygon = orient(polygon, 1.0)
        return [
            np.round(shapely.get_coordinates(ring), DIGITS).tolist()
            for ring in (polygon.exterior, *polygon.interiors)
        ]

    if geometry.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": rings(geometry)}
    if geometry.geom_type == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [rings(p) for p in geometry.geoms]}
    raise ValueError(f"a cell is a {geometry.geom_type}, not a polygon")
