"""Boundaries: validation with shapely, and locating a point to the unit that contains it."""

from __future__ import annotations

import threading

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from shapely.geometry import shape

# Allow for rounding in coordinates copied between systems: a child may stick out of its
# parent by this much (in degrees, about 1 m) and still count as inside.
CONTAINMENT_TOLERANCE = 1e-5


def parse_boundary(geojson) -> shapely.Geometry:
    """A valid Polygon or MultiPolygon from GeoJSON, or a ValidationError saying why not."""
    if not isinstance(geojson, dict) or "type" not in geojson:
        raise ValidationError({"boundary": _("The boundary must be a GeoJSON geometry.")})
    if geojson.get("type") == "Feature":
        geojson = geojson.get("geometry") or {}
    if geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError({"boundary": _("The boundary must be a Polygon or a MultiPolygon.")})
    try:
        geometry = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException):
        raise ValidationError(
            {"boundary": _("The boundary's coordinates are malformed.")}
        ) from None
    if geometry.is_empty:
        raise ValidationError({"boundary": _("The boundary is empty.")})
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        raise ValidationError(
            {
                "boundary": _(
                    "The boundary is not a valid polygon (%(reason)s), for example it crosses itself."
                )
                % {"reason": reason}
            }
        )
    minx, miny, maxx, maxy = geometry.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValidationError(
            {"boundary": _("The boundary must be in longitude/latitude degrees (WGS 84).")}
        )
    return geometry


def check_inside(child: shapely.Geometry, parent_geojson) -> None:
    if not parent_geojson:
        return
    parent = shape(parent_geojson)
    if not parent.buffer(CONTAINMENT_TOLERANCE).covers(child):
        raise ValidationError(
            {"boundary": _("The boundary must lie inside the boundary of the parent area.")}
        )


class UnitLocator:
    """An STRtree over the boundaries of all open units, rebuilt when they change."""

    def __init__(self, codes: list[str], geometries: list[shapely.Geometry]):
        self.codes = np.array(codes, dtype=object)
        self.geometries = np.array(geometries, dtype=object)
        for geometry in geometries:
            shapely.prepare(geometry)
        self.tree = shapely.STRtree(self.geometries)

    def locate(self, lng: float, lat: float) -> str | None:
        hits = self.tree.query(shapely.Point(lng, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        # On a shared edge the point touches two units: take the lowest code, always.
        return min(self.codes[hits])

    def locate_many(self, points: np.ndarray) -> list[str | None]:
        """Codes of the units containing each (lng, lat) row of `points`, in one tree pass."""
        geoms = shapely.points(points)
        point_idx, geom_idx = self.tree.query(geoms, predicate="intersects")
        found: list[str | None] = [None] * len(points)
        for p, g in zip(point_idx.tolist(), geom_idx.tolist(), strict=True):
            code = self.codes[g]
            if found[p] is None or code < found[p]:
                found[p] = code
        return found


_lock = threading.Lock()
_cached: tuple[tuple, UnitLocator] | None = None


def unit_locator() -> UnitLocator:
    """The process's locator, rebuilt when a unit boundary has changed since it was built."""
    from yiwang.areas.models import Area, Level

    global _cached
    units = Area.objects.open().filter(level=Level.UNIT, boundary__isnull=False)
    stamp = tuple(units.aggregate(n=Count("id"), changed=Max("updated_at")).values())
    with _lock:
        if _cached is None or _cached[0] != stamp:
            rows = list(units.values_list("code", "boundary"))
            _cached = (stamp, UnitLocator([c for c, _b in rows], [shape(b) for _c, b in rows]))
        return _cached[1]
