"""Map furniture shared by every map: Natural Earth base, scenario overlay, rings, scale bar, north arrow.

All drawing is in longitude/latitude degrees on a matplotlib axes whose aspect is 1/cos(mid latitude),
so a kilometre is the same length east–west and north–south at the map's centre.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from pyproj import CRS, Geod, Transformer

from iadsim.geo.basemap import ATTRIBUTION, clip
from iadsim.geo.dem import Dem

GEOD = Geod(ellps="WGS84")
WGS84 = CRS.from_epsg(4326)
Box = tuple[float, float, float, float]  # west, south, east, north (degrees)


def ring_lonlat(lon_deg: float, lat_deg: float, radius_m: float, n: int = 181) -> np.ndarray:
    """A geodesic circle of ``radius_m`` around a point: (n, 2) lon, lat in degrees."""
    az = np.linspace(0.0, 360.0, n)
    lon, lat, _ = GEOD.fwd(np.full(n, lon_deg), np.full(n, lat_deg), az, np.full(n, radius_m))
    return np.column_stack([lon, lat])


def dem_outline_lonlat(dem: Dem, n_edge: int = 50) -> np.ndarray:
    """The DEM's boundary (where terrain data ends) as a closed lon/lat polyline."""
    rows, cols = dem.height_m.shape
    t = dem.transform
    x0, x1 = t.c, t.c + t.a * cols
    y0, y1 = t.f, t.f + t.e * rows
    u = np.linspace(0.0, 1.0, n_edge)
    xs = np.concatenate([x0 + (x1 - x0) * u, np.full(n_edge, x1), x1 - (x1 - x0) * u, np.full(n_edge, x0)])
    ys = np.concatenate([np.full(n_edge, y0), y0 + (y1 - y0) * u, np.full(n_edge, y1), y1 - (y1 - y0) * u])
    return np.column_stack(to_lonlat(dem, xs, ys))


def to_lonlat(dem: Dem, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grid coordinates of the DEM's CRS to lon/lat degrees."""
    if dem.crs.is_geographic:
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    tr = Transformer.from_crs(dem.crs, WGS84, always_xy=True)
    lon, lat = tr.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def stride_for(shape: tuple[int, int], max_px: int) -> int:
    """Integer step that brings the larger grid side down to about ``max_px`` cells."""
    return max(1, math.ceil(max(shape) / max(1, max_px)))


def cell_centres_lonlat(dem: Dem, step: int) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat (2-D) of every ``step``-th cell centre."""
    rows, cols = dem.height_m.shape
    t = dem.transform
    c = np.arange(0, cols, step) + 0.5
    r = np.arange(0, rows, step) + 0.5
    xx, yy = np.meshgrid(t.c + t.a * c, t.f + t.e * r)
    return to_lonlat(dem, xx, yy)


def union_box(parts: Iterable[np.ndarray], margin: float = 0.04) -> Box:
    pts = np.concatenate([np.asarray(p, dtype=float).reshape(-1, 2) for p in parts])
    w, s = np.nanmin(pts, axis=0)
    e, n = np.nanmax(pts, axis=0)
    mx, my = max((e - w) * margin, 0.1), max((n - s) * margin, 0.1)
    return float(w - mx), float(s - my), float(e + mx), float(n + my)


def setup_axes(ax: Any, box: Box) -> None:
    """Limits, equal-distance aspect and degree labels."""
    w, s, e, n = box
    ax.set_xlim(w, e)
    ax.set_ylim(s, n)
    ax.set_aspect(1.0 / max(0.05, math.cos(math.radians((s + n) / 2))))
    ax.set_xlabel("longitude (°E)", fontsize=8)
    ax.set_ylabel("latitude (°N)", fontsize=8)
    ax.tick_params(labelsize=7)


@lru_cache(maxsize=16)
def _clip(box: Box):
    """:func:`iadsim.geo.basemap.clip`, cached: every panel of a site's maps shares one box."""
    return clip(box)


def draw_basemap(ax: Any, box: Box, n_city_labels: int = 8) -> None:
    """Coastlines, country borders and the largest cities inside ``box``."""
    bm = _clip(tuple(float(v) for v in box))
    for ln in bm.coastlines:
        ax.plot(ln[:, 0], ln[:, 1], color="#1f4e79", lw=0.7, zorder=3)
    for ln in bm.borders:
        ax.plot(ln[:, 0], ln[:, 1], color="#6b4c9a", lw=0.7, ls=(0, (4, 2, 1, 2)), zorder=3)
    if bm.cities:
        ax.scatter([c.lon_deg for c in bm.cities], [c.lat_deg for c in bm.cities], s=5, c="#333333", zorder=4)
        labelled: list[tuple[float, float]] = []
        span = max(box[2] - box[0], box[3] - box[1]) / 12.0
        for c in bm.cities:  # the largest first; a district of a labelled city stays unlabelled
            if len(labelled) >= n_city_labels:
                break
            if any(abs(c.lon_deg - x) < span and abs(c.lat_deg - y) < span for x, y in labelled):
                continue
            labelled.append((c.lon_deg, c.lat_deg))
            ax.annotate(c.name, (c.lon_deg, c.lat_deg), xytext=(2, 2), textcoords="offset points", fontsize=6,
                        color="#222222", zorder=6)


def draw_rings(ax: Any, lon_deg: float, lat_deg: float, radii_m: Sequence[tuple[float, str]], color: str = "k") -> None:
    """Dashed nominal rings, each labelled at its northern point."""
    for r, label in radii_m:
        if not r or r <= 0:
            continue
        ring = ring_lonlat(lon_deg, lat_deg, r)
        ax.plot(ring[:, 0], ring[:, 1], color=color, ls="--", lw=0.8, zorder=5)
        ax.annotate(label, (ring[0, 0], ring[0, 1]), xytext=(0, 2), textcoords="offset points", fontsize=6,
                    ha="center", zorder=6, clip_on=True)


def draw_dem_edge(ax: Any, dem: Dem) -> None:
    """Dotted outline where the terrain data ends (outside it: no terrain, no computed coverage)."""
    ol = dem_outline_lonlat(dem)
    ax.plot(ol[:, 0], ol[:, 1], color="#7f7f7f", ls=":", lw=1.0, zorder=5)
    ax.annotate("terrain data ends", (ol[0, 0], ol[0, 1]), xytext=(2, 2), textcoords="offset points",
                fontsize=6, color="#555555", zorder=6, clip_on=True)


def draw_scenario(ax: Any, scenario: Any, routes: bool = True) -> list[Any]:
    """Sites (black triangles), defended assets (gold stars), threat routes (orange arrows). Returns handles."""
    handles = []
    sites = list(getattr(scenario, "sites", []) or [])
    if sites:
        handles.append(ax.scatter([s.lon_deg for s in sites], [s.lat_deg for s in sites], marker="^", s=40,
                                  c="k", edgecolors="w", zorder=8, label="air-defence site"))
    assets = list(getattr(scenario, "defended_assets", []) or [])
    if assets:
        handles.append(ax.scatter([a.lon_deg for a in assets], [a.lat_deg for a in assets], marker="*", s=70,
                                  c="gold", edgecolors="k", linewidths=0.5, zorder=8, label="defended asset"))
    if routes:
        for i, th in enumerate(getattr(scenario, "threats", []) or []):
            lon = [w.lon_deg for w in th.route]
            lat = [w.lat_deg for w in th.route]
            (h,) = ax.plot(lon, lat, color="#e67e22", lw=0.9, alpha=0.8, zorder=4,
                           label="threat route" if i == 0 else None)
            ax.annotate("", xy=(lon[-1], lat[-1]), xytext=(lon[-2], lat[-2]), zorder=4,
                        arrowprops={"arrowstyle": "->", "color": "#e67e22", "lw": 0.9})
            if i == 0:
                handles.append(h)
    return handles


def _nice(x: float) -> float:
    p = 10 ** math.floor(math.log10(x))
    return max(m * p for m in (1, 2, 5) if m * p <= x)


def scale_bar(ax: Any, box: Box) -> None:
    """A scale bar about a fifth of the map wide, bottom left, in km."""
    w, s, e, n = box
    lat = s + 0.06 * (n - s)
    lon0 = w + 0.05 * (e - w)
    width_km = GEOD.inv(w, lat, e, lat)[2] / 1e3
    km = _nice(max(width_km / 5.0, 1e-3))
    lon1, _, _ = GEOD.fwd(lon0, lat, 90.0, km * 1e3)
    ax.plot([lon0, lon1], [lat, lat], color="k", lw=3, solid_capstyle="butt", zorder=9)
    ax.plot([lon0, lon1], [lat, lat], color="w", lw=1, solid_capstyle="butt", zorder=9)
    ax.annotate(f"{km:g} km", ((lon0 + lon1) / 2, lat), xytext=(0, 4), textcoords="offset points", ha="center",
                fontsize=7, zorder=9, bbox={"boxstyle": "round,pad=0.1", "fc": "w", "ec": "none", "alpha": 0.7})


def north_arrow(ax: Any) -> None:
    """An arrow pointing to geographic north (up on a lon/lat map), top right."""
    ax.annotate("N", xy=(0.94, 0.96), xytext=(0.94, 0.84), xycoords="axes fraction", ha="center", va="center",
                fontsize=9, fontweight="bold", zorder=9,
                arrowprops={"arrowstyle": "-|>", "color": "k", "lw": 1.2})


def attribution(fig: Any) -> None:
    fig.text(0.995, 0.003, ATTRIBUTION, ha="right", va="bottom", fontsize=6, color="#666666")


def finish(ax: Any, box: Box) -> None:
    """Basemap, scale bar and north arrow, then the limits."""
    draw_basemap(ax, box)
    scale_bar(ax, box)
    north_arrow(ax)
    setup_axes(ax, box)
