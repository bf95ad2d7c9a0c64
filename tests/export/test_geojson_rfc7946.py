"""A small RFC 7946 (GeoJSON) checker for coverage files: the parts of the standard iadsim promises.

* §3.1.6 polygon rings are closed, exteriors counter-clockwise and holes clockwise (right-hand rule);
* §3.1.1 positions are [longitude, latitude] within [-180, 180] × [-90, 90];
* §4 no ``crs`` member anywhere; §11.2 at most 7 decimals (iadsim writes ≈ 1 m: 5);
* iadsim's own rule: one geometry type per file, MultiPolygon (a Feature may have a null geometry).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def signed_area(ring: list[list[float]]) -> float:
    """Shoelace area in square degrees: positive for a counter-clockwise ring."""
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:]))


def _decimals(v: float) -> int:
    return max(0, -Decimal(repr(float(v))).as_tuple().exponent)


def problems(doc: Any, max_decimals: int = 7) -> list[str]:
    """Every violation found in a parsed GeoJSON document (empty list: clean)."""
    out: list[str] = []
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        return ["top level is not a FeatureCollection"]
    if "crs" in doc:
        out.append("a crs member (removed by RFC 7946 §4)")
    types = set()
    for i, f in enumerate(doc.get("features", [])):
        if f.get("type") != "Feature" or "crs" in f or "properties" not in f:
            out.append(f"feature {i}: not a plain Feature with properties")
        g = f.get("geometry")
        if g is None:
            continue
        types.add(g.get("type"))
        if "crs" in g:
            out.append(f"feature {i}: crs member in its geometry")
        if g.get("type") != "MultiPolygon":
            out.append(f"feature {i}: {g.get('type')}, expected MultiPolygon")
            continue
        for j, poly in enumerate(g["coordinates"]):
            for k, ring in enumerate(poly):
                where = f"feature {i} polygon {j} ring {k}"
                if len(ring) < 4 or ring[0] != ring[-1]:
                    out.append(f"{where}: not a closed ring of ≥ 4 positions")
                    continue
                area = signed_area(ring)
                if (k == 0 and area <= 0) or (k > 0 and area >= 0):
                    out.append(f"{where}: {'exterior' if k == 0 else 'hole'} is "
                               f"{'clockwise' if area < 0 else 'counter-clockwise'}")
                for pos in ring:
                    if len(pos) < 2 or not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90):
                        out.append(f"{where}: position {pos} is not [lon, lat] within bounds")
                        break
                    if max(_decimals(pos[0]), _decimals(pos[1])) > max_decimals:
                        out.append(f"{where}: position {pos} has more than {max_decimals} decimals")
                        break
    if len(types) > 1:
        out.append(f"more than one geometry type in the file: {sorted(map(str, types))}")
    return out


# ----------------------------------------------------------------------------- tests
import json  # noqa: E402

import pytest  # noqa: E402
from shapely.geometry import MultiPolygon, Polygon  # noqa: E402

from iadsim.coverage.products import rfc7946_multipolygon  # noqa: E402


def _collection(geometry: dict | None, **extra: Any) -> dict:
    return {"type": "FeatureCollection", **extra,
            "features": [{"type": "Feature", "properties": {}, "geometry": geometry}]}


def test_the_checker_finds_each_violation():
    """The checker itself: each rule of RFC 7946 it claims is caught on a hand-made counterexample."""
    ccw = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    good = {"type": "MultiPolygon", "coordinates": [[ccw]]}
    assert problems(_collection(good)) == []
    assert "clockwise" in problems(_collection({"type": "MultiPolygon", "coordinates": [[ccw[::-1]]]}))[0]
    hole_ccw = [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]]
    assert "hole is counter-clockwise" in problems(_collection({"type": "MultiPolygon",
                                                                "coordinates": [[ccw, hole_ccw]]}))[0]
    assert "expected MultiPolygon" in problems(_collection({"type": "Polygon", "coordinates": [ccw]}))[0]
    assert "crs" in problems(_collection(good, crs={"type": "name"}))[0]
    latlon = [[40.0, 100.0], [41.0, 100.0], [41.0, 101.0], [40.0, 100.0]]
    assert "within bounds" in problems(_collection({"type": "MultiPolygon", "coordinates": [[latlon]]}))[0]
    fine = [[0.123456789, 0.0], [1.0, 0.0], [1.0, 1.0], [0.123456789, 0.0]]
    assert "decimals" in problems(_collection({"type": "MultiPolygon", "coordinates": [[fine]]}))[0]


def test_geometry_is_an_oriented_rounded_multipolygon():
    """A clockwise polygon with a counter-clockwise hole comes out CCW / CW, as a MultiPolygon, ≤ 5 decimals."""
    shell = [(32.0, 40.0), (32.0, 40.5), (32.5, 40.5), (32.5, 40.0)]  # clockwise
    hole = [(32.1, 40.1), (32.2, 40.1), (32.2, 40.2), (32.1, 40.2)]  # counter-clockwise
    g = rfc7946_multipolygon(Polygon([(x + 1e-9, y) for x, y in shell], [hole]))
    assert g["type"] == "MultiPolygon"
    assert problems(_collection(g), max_decimals=5) == []
    assert rfc7946_multipolygon(MultiPolygon()) is None and rfc7946_multipolygon(None) is None


@pytest.mark.parametrize("product", ["detection", "track", "engagement"])
def test_coverage_geojson_of_a_run_is_rfc7946_clean(small_run, product):
    doc = json.loads((small_run.dir / "coverage" / f"{product}.geojson").read_text(encoding="utf-8"))
    feats = [f for f in doc["features"] if f["geometry"]]
    assert feats, "the run has some coverage to check"
    assert problems(doc, max_decimals=5) == []
    lon, lat = zip(*(p for f in feats for poly in f["geometry"]["coordinates"] for p in poly[0]))
    assert 29.0 < min(lon) and max(lon) < 36.0 and 37.0 < min(lat) and max(lat) < 43.0  # around the site
