"""The bundled Natural Earth basemap: coastlines, country borders and major cities in lon/lat.

Data: ``iadsim/data/naturalearth/basemap.geojson`` (made by ``scripts/make_basemap.py``; see its
ATTRIBUTION.md). Loaded once and cached; :func:`clip` returns what falls in a lon/lat box.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

ATTRIBUTION = "Coastlines, borders: Natural Earth (public domain). Cities: GeoNames (CC BY 4.0)."


@dataclass(frozen=True)
class City:
    name: str
    country: str
    population: int
    lon_deg: float
    lat_deg: float


@dataclass(frozen=True)
class Basemap:
    coastlines: tuple[np.ndarray, ...]   # each (n, 2) lon, lat in degrees
    borders: tuple[np.ndarray, ...]
    border_countries: tuple[str, ...]    # "A | B" per border line
    cities: tuple[City, ...]             # largest first


def basemap_path():
    return resources.files("iadsim") / "data" / "naturalearth" / "basemap.geojson"


@lru_cache(maxsize=1)
def load_basemap() -> Basemap:
    """The bundled basemap (cached)."""
    fc = json.loads(basemap_path().read_text(encoding="utf-8"))
    coast, borders, names, cities = [], [], [], []
    for f in fc["features"]:
        p, g = f["properties"], f["geometry"]
        if p["layer"] == "coastline":
            coast.append(np.asarray(g["coordinates"], dtype=np.float64))
        elif p["layer"] == "border":
            borders.append(np.asarray(g["coordinates"], dtype=np.float64))
            names.append(p["countries"])
        elif p["layer"] == "city":
            lon, lat = g["coordinates"]
            cities.append(City(p["name"], p["country"], int(p["population"]), float(lon), float(lat)))
    return Basemap(tuple(coast), tuple(borders), tuple(names), tuple(cities))


def _in_box(lines: tuple[np.ndarray, ...], box: tuple[float, float, float, float]) -> list[np.ndarray]:
    w, s, e, n = box
    return [ln for ln in lines
            if ln[:, 0].max() >= w and ln[:, 0].min() <= e and ln[:, 1].max() >= s and ln[:, 1].min() <= n]


def clip(box: tuple[float, float, float, float]) -> Basemap:
    """Lines that touch the (west, south, east, north) box in degrees, and the cities inside it."""
    bm = load_basemap()
    w, s, e, n = box
    keep = [i for i, ln in enumerate(bm.borders)
            if ln[:, 0].max() >= w and ln[:, 0].min() <= e and ln[:, 1].max() >= s and ln[:, 1].min() <= n]
    return Basemap(tuple(_in_box(bm.coastlines, box)), tuple(bm.borders[i] for i in keep),
                   tuple(bm.border_countries[i] for i in keep),
                   tuple(c for c in bm.cities if w <= c.lon_deg <= e and s <= c.lat_deg <= n))
