"""Write coverage results: GeoTIFF, GeoJSON, PNG maps, vertical coverage diagrams, and the
"range ring vs physics" table.

Files (under the output directory):

* ``coverage/<site>/<class>_<product>.tif`` — uint8, one band per altitude layer
  (1 covered, 0 not, 255 outside the computed radius); ``<class>_pd.tif`` — float32 Pd of
  the site's best radar, one band per layer. Band descriptions name the altitude.
* ``coverage/<product>.geojson`` — display polygons in WGS84 (lon, lat), one feature per
  site × class × altitude, traced on the mask reduced to at most :data:`DISPLAY_MAX_CELLS` a side
  (:func:`display_polygons_wgs84` states the tolerance), with the exact covered area in km².
* ``maps/<site>_<class>.png`` — detection and engagement per altitude on the terrain.
* ``vcd/<site>_<radar>.png`` — range–height diagram on the 4/3 earth, per class.
* ``range_ring_vs_physics.csv`` (one row per sector) and ``range_ring_summary.csv``: the reach
  at the scenario's Pd threshold (named in the table), its low–high spread from the catalog
  (RCS low/high in the radar's band × radar constant from the reference range's low/high), and
  the reach at the fire-control Pd 0.9.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.features
from rasterio.enums import Resampling
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import shape

from iadsim.coverage.compute import CoverageResult, SiteCoverage, sector_index, sector_max_reach, sector_reach
from iadsim.geo.dem import Dem
from iadsim.geo.refraction import (
    ground_range_m,
    slant_range_elevation,
    smooth_earth_lowest_visible_height_m,
    target_height_m,
)
from iadsim.sensors.radar_equation import snr_from_constant
from iadsim.world import RadarInstance, World


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


def _alt_label(sc: SiteCoverage, alt: float) -> str:
    return f"{alt:g} m {sc.altitude_ref.value.upper()}"


# --------------------------------------------------------------------------- GeoTIFF
def write_geotiffs(sc: SiteCoverage, out_dir: Path, workers: int = 1) -> list[Path]:
    """``coverage/<site>/<class>_<product>.tif`` and ``<class>_pd.tif`` of one site (module docstring),
    one job per file; ``workers > 1`` writes the files on that many threads. Each file is written
    whole by one thread, so the bytes do not depend on the number of threads. The default is one:
    measured on the demo (12 files, 2 cores), 2 or 4 threads took 0.95–1.17 s against 0.94–1.01 s
    in-process — rasterio 1.4 holds the GIL while GDAL compresses the blocks at close and builds the
    overviews — and :func:`iadsim.api.coverage.run_coverage` writes them while its figure workers
    draw, which keeps both cores busy."""
    from iadsim.coverage.render import Batch

    jobs = _geotiff_jobs(sc, out_dir)
    return Batch(jobs, kind="thread" if workers > 1 else "serial", workers=max(workers, 1)).collect()


def _geotiff_jobs(sc: SiteCoverage, out_dir: Path) -> list:
    out = out_dir / "coverage" / slug(sc.site.name)
    out.mkdir(parents=True, exist_ok=True)
    rows, cols = sc.valid.shape
    profile = dict(driver="GTiff", height=rows, width=cols, crs=sc.dem.crs.to_wkt(), transform=sc.dem.transform,
                   compress="deflate", tiled=cols >= 256 and rows >= 256)
    radars = ", ".join(rl.radar.equipment for rl in sc.radars)
    mask_units = "1 = covered, 0 = not covered, 255 = outside the analysis"

    def mask_file(p: Path, product: str, cls: str, arr: np.ndarray) -> Path:
        data = np.where(sc.valid[None], arr.astype(np.uint8), np.uint8(255))
        with rasterio.open(p, "w", count=len(sc.altitudes_m), dtype="uint8", nodata=255, predictor=2,
                           **profile) as ds:
            ds.write(data)
            _describe(ds, sc, product, cls, radars, units=mask_units)
        return p

    def pd_file(p: Path, cls: str, pd: np.ndarray) -> Path:
        data = np.where(sc.valid[None], pd, np.float32(np.nan)).astype(np.float32)
        with rasterio.open(p, "w", count=len(sc.altitudes_m), dtype="float32", nodata=np.nan, predictor=3,
                           **profile) as ds:
            ds.write(data)
            _describe(ds, sc, "pd", cls, radars, units="probability of detection of the site's best radar (0-1)")
        return p

    jobs = []
    products = sc.products()
    for ci, cls in enumerate(sc.classes):
        for product, arr in products.items():
            jobs.append(partial(mask_file, out / f"{slug(cls)}_{product}.tif", product, cls, arr[ci]))
        jobs.append(partial(pd_file, out / f"{slug(cls)}_pd.tif", cls, sc.pd_max[ci]))
    return jobs


def _describe(ds: Any, sc: SiteCoverage, product: str, cls: str, radars: str, units: str) -> None:
    """Band descriptions and tags (product, class, site, radars, units, Pd threshold; altitude per
    band) and overviews (nearest for masks, average for Pd) of an open coverage GeoTIFF."""
    label = "Pd" if product == "pd" else product
    for a, alt in enumerate(sc.altitudes_m):
        ds.set_band_description(a + 1, f"{label} {cls} {_alt_label(sc, alt)}")
        ds.update_tags(a + 1, altitude_m=f"{alt:g}", altitude_ref=sc.altitude_ref.value)
    ds.update_tags(product=product, threat_class=cls, site=sc.site.name, radars=radars, units=units,
                   pd_threshold=str(sc.pd_threshold))
    factors = [f for f in (2, 4, 8, 16) if min(ds.height, ds.width) // f >= 8]
    if factors:
        ds.build_overviews(factors, Resampling.average if product == "pd" else Resampling.nearest)


# --------------------------------------------------------------------------- GeoJSON
def mask_polygons_wgs84(mask: np.ndarray, sc: SiteCoverage, simplify_cells: float = 0.5):
    """Polygons of ``mask`` (rows × cols) as one shapely geometry in WGS84 lon/lat."""
    return mask_polygons_dem_wgs84(mask, sc.dem, simplify_cells)


def mask_polygons_dem_wgs84(mask: np.ndarray, dem: Dem, simplify_cells: float = 0.5):
    """Polygons of ``mask`` on the grid of ``dem`` as one shapely geometry in WGS84 lon/lat."""
    if not mask.any():
        return None
    geoms = [shape(g) for g, v in rasterio.features.shapes(mask.astype(np.uint8), mask=mask,
                                                            transform=dem.transform) if v == 1]
    merged = shapely.union_all(geoms)
    cell = abs(dem.transform.a)
    merged = merged.simplify(cell * simplify_cells, preserve_topology=True)
    if not dem.crs.is_geographic or dem.crs != CRS.from_epsg(4326):
        to_ll = Transformer.from_crs(dem.crs, CRS.from_epsg(4326), always_xy=True)
        merged = shapely.transform(merged, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
    return merged


#: display polygons (``coverage/<product>.geojson``, and the KML/KMZ/CZML/viewer layers made from
#: them) are traced on the mask block-reduced to at most this many cells a side
DISPLAY_MAX_CELLS = 600


def display_polygons_wgs84(mask: np.ndarray, dem: Dem, max_cells: int = DISPLAY_MAX_CELLS):
    """Display polygons of ``mask`` on ``dem``'s grid in WGS84 lon/lat: traced on the mask reduced by
    f = ⌈max(rows, cols) / max_cells⌉ cells per block (:func:`iadsim.coverage.render.block_reduce`,
    max: a block is covered if any of its cells is), then simplified by half a block. Stated
    tolerance: the boundary lies within 1.5·f cells of the exact cell boundary (the reduction moves
    it outward by less than f cells, the simplification by at most f/2 either way; f = 1 is the
    exact boundary simplified by half a cell, as before). Areas are never taken from these polygons."""
    from affine import Affine

    from iadsim.coverage.render import block_reduce

    f = max(1, -(-max(mask.shape) // max(1, max_cells)))
    if f == 1:
        return mask_polygons_dem_wgs84(mask, dem, 0.5)
    small = block_reduce(mask, f, "max", fill=False)
    coarse = Dem(height_m=np.zeros(small.shape, dtype=np.float32), transform=dem.transform @ Affine.scale(f),
                 crs=dem.crs, source=dem.source)
    return mask_polygons_dem_wgs84(small, coarse, 0.5)


def _cell_area_km2(sc: SiteCoverage) -> np.ndarray:
    t = sc.dem.transform
    if sc.dem.crs.is_geographic:
        rows = np.arange(sc.valid.shape[0]) + 0.5
        lat = np.radians(t.f + t.e * rows)
        m_per_deg = 111_320.0
        area = (abs(t.a) * m_per_deg * np.cos(lat)) * (abs(t.e) * m_per_deg) / 1e6
        return area[:, None]
    return np.array([[abs(t.a * t.e) / 1e6]])


#: GeoJSON coordinate precision: 1e-5 degrees is ≈ 1.1 m of latitude (RFC 7946 §11.2 advises ~6 decimals)
GEOJSON_DECIMALS = 5


def rfc7946_multipolygon(geom, decimals: int = GEOJSON_DECIMALS) -> dict | None:
    """An RFC 7946 MultiPolygon (GeoJSON dict) of the polygons in ``geom`` (lon, lat): exteriors
    counter-clockwise, holes clockwise (§3.1.6), coordinates rounded to ``decimals`` (§11.2); None
    when nothing is left."""
    from shapely.geometry import MultiPolygon
    from shapely.geometry.polygon import orient

    if geom is None or geom.is_empty:
        return None
    geom = shapely.set_precision(geom, 10.0 ** -decimals)
    polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon" and not g.is_empty]
    polys += [p for g in getattr(geom, "geoms", []) if g.geom_type == "MultiPolygon" for p in g.geoms]
    if not polys:
        return None

    def ring(coords) -> list[list[float]]:
        return [[round(float(x), decimals), round(float(y), decimals)] for x, y, *_ in coords]

    out = []
    for p in MultiPolygon([orient(p, sign=1.0) for p in polys]).geoms:
        out.append([ring(p.exterior.coords)] + [ring(r.coords) for r in p.interiors])
    return {"type": "MultiPolygon", "coordinates": out}


def write_geojson(result: CoverageResult, out_dir: Path) -> list[Path]:
    """``coverage/<product>.geojson``: RFC 7946 FeatureCollections, one MultiPolygon feature (or a
    null geometry where nothing is covered) per site × class × altitude, lon/lat rounded to ≈ 1 m.
    The geometry is a display layer (:func:`display_polygons_wgs84`: traced on the mask reduced to
    at most :data:`DISPLAY_MAX_CELLS` a side); ``area_km2`` is exact (every covered cell's area)."""
    out = out_dir / "coverage"
    out.mkdir(parents=True, exist_ok=True)
    features: dict[str, list] = {}
    for sc in result.sites:
        area = _cell_area_km2(sc)
        for product, arr in sc.products().items():
            for ci, cls in enumerate(sc.classes):
                for a, alt in enumerate(sc.altitudes_m):
                    mask = arr[ci, a]
                    geom = display_polygons_wgs84(mask, sc.dem)
                    features.setdefault(product, []).append({
                        "type": "Feature",
                        "properties": {
                            "site": sc.site.name, "product": product, "threat_class": cls,
                            "altitude_m": alt, "altitude_ref": sc.altitude_ref.value,
                            "pd_threshold": sc.pd_threshold,
                            "area_km2": round(float(np.sum(np.broadcast_to(area, mask.shape)[mask])), 1),
                        },
                        "geometry": rfc7946_multipolygon(geom),
                    })
    paths = []
    for product, feats in features.items():
        p = out / f"{product}.geojson"
        p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, separators=(",", ":")))
        paths.append(p)
    return paths


# --------------------------------------------------------------------------- range ring vs physics
@dataclass
class RingRow:
    site: str
    product: str
    radar: str
    threat_class: str
    altitude_m: float
    altitude_ref: str
    nominal_km: float
    reach_km: np.ndarray  # per sector
    area_fraction: np.ndarray  # per sector
    pd_threshold: float = 0.5
    #: per sector: reach with the catalog's low / high RCS and radar constant (None: not computed)
    reach_low_km: np.ndarray | None = None
    reach_high_km: np.ndarray | None = None
    #: per sector: reach at the fire-control Pd (0.9), nominal figures
    reach_fc_km: np.ndarray | None = None
    fc_pd: float = 0.9

    @staticmethod
    def _med(r: np.ndarray | None) -> float | None:
        return None if r is None else round(float(np.median(r)), 1)

    @property
    def summary(self) -> dict:
        r = self.reach_km
        return {
            "site": self.site, "product": self.product, "radar": self.radar,
            "threat_class": self.threat_class, "altitude_m": self.altitude_m, "altitude_ref": self.altitude_ref,
            "nominal_km": round(self.nominal_km, 1),
            "reach_min_km": round(float(r.min()), 1), "reach_median_km": round(float(np.median(r)), 1),
            "reach_max_km": round(float(r.max()), 1),
            "area_within_ring_pct": round(100.0 * float(np.mean(self.area_fraction)), 1),
            "pd_threshold": self.pd_threshold,
            "reach_median_low_km": self._med(self.reach_low_km),
            "reach_median_high_km": self._med(self.reach_high_km),
            "fire_control_pd": self.fc_pd,
            "reach_median_fire_control_km": self._med(self.reach_fc_km),
        }


def range_ring_rows(result: CoverageResult, sector_deg: float) -> list[RingRow]:
    """One row per site × product × radar × class × altitude: the farthest covered ground range
    per sector, nominal, with the catalog's low/high case and at the fire-control Pd."""
    rows: list[RingRow] = []
    sec = math.radians(sector_deg)
    for sc in result.sites:
        weight = _cell_area_km2(sc)
        sector = sector_index(sc.az_rad, sec)

        def reach_of(arr: np.ndarray | None, ci: int, a: int, nominal_m: float) -> np.ndarray | None:
            if arr is None:
                return None
            return sector_max_reach(arr[ci, a], sc.ground_range_m, sc.valid, *sector) / 1e3

        def add(product: str, radar: str, pick, nominal_m: float) -> None:
            arr = pick(None)
            low, high, fc = (pick(sc.cases.get(k)) if k in sc.cases else None
                             for k in ("low", "high", "fire_control"))
            fc_pd = sc.cases["fire_control"].pd_threshold if "fire_control" in sc.cases else sc.pd_threshold
            for ci, cls in enumerate(sc.classes):
                for a, alt in enumerate(sc.altitudes_m):
                    reach, frac = sector_reach(arr[ci, a], sc.ground_range_m, sc.az_rad, sc.valid, sec,
                                               nominal_m, weight, sector=sector)
                    rows.append(RingRow(sc.site.name, product, radar, cls, alt, sc.altitude_ref.value,
                                        nominal_m / 1e3, reach / 1e3, frac, pd_threshold=sc.pd_threshold,
                                        reach_low_km=reach_of(low, ci, a, nominal_m),
                                        reach_high_km=reach_of(high, ci, a, nominal_m),
                                        reach_fc_km=reach_of(fc, ci, a, nominal_m), fc_pd=fc_pd))

        for i, rl in enumerate(sc.radars):
            add("detection", rl.radar.equipment,
                lambda case, i=i, rl=rl: (rl.pd >= sc.pd_threshold) if case is None else case.radar_detection[i],
                rl.radar.reference_range_m)
        add("track", "site", lambda case: sc.track if case is None else case.track, sc.nominal_detection_m)
        if sc.engagement is not None and sc.nominal_engagement_m:
            add("engagement", "site", lambda case: sc.engagement if case is None else case.engagement,
                sc.nominal_engagement_m)
    return rows


def write_range_ring_tables(rows: list[RingRow], out_dir: Path, sector_deg: float) -> list[Path]:
    per_sector = out_dir / "range_ring_vs_physics.csv"
    with per_sector.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["site", "product", "radar", "threat_class", "altitude_m", "altitude_ref", "sector_from_deg",
                    "sector_to_deg", "nominal_km", "reach_km", "area_within_ring_pct", "pd_threshold",
                    "reach_low_km", "reach_high_km", "fire_control_pd", "reach_fire_control_km"])

        def at(arr: np.ndarray | None, i: int) -> float | str:
            return "" if arr is None else round(float(arr[i]), 1)

        for r in rows:
            for i, (reach, frac) in enumerate(zip(r.reach_km, r.area_fraction)):
                w.writerow([r.site, r.product, r.radar, r.threat_class, r.altitude_m, r.altitude_ref,
                            round(i * sector_deg, 3), round((i + 1) * sector_deg, 3), round(r.nominal_km, 1),
                            round(float(reach), 1), round(100 * float(frac), 1), r.pd_threshold,
                            at(r.reach_low_km, i), at(r.reach_high_km, i), r.fc_pd, at(r.reach_fc_km, i)])
    summary = out_dir / "range_ring_summary.csv"
    with summary.open("w", newline="") as f:
        keys = list(rows[0].summary) if rows else ["site"]
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for r in rows:
            w.writerow(r.summary)
    return [per_sector, summary]


# --------------------------------------------------------------------------- figures
def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def warm_figures() -> None:
    """Import matplotlib, load its fonts and the basemap in this process (so forked figure workers
    inherit them instead of each loading them again)."""
    from matplotlib import font_manager

    from iadsim.geo.basemap import load_basemap

    _plt()
    font_manager.fontManager.findfont("DejaVu Sans")
    load_basemap()


def _hillshade(z: np.ndarray, dx: float, dy: float) -> np.ndarray:
    gy, gx = np.gradient(z.astype(np.float64), dy, dx)
    slope = np.pi / 2 - np.arctan(np.hypot(gx, gy))
    aspect = np.arctan2(-gx, gy)
    az, alt = np.radians(315.0), np.radians(45.0)
    return np.sin(alt) * np.sin(slope) + np.cos(alt) * np.cos(slope) * np.cos(az - aspect)


def _coverage_classes(sc: SiteCoverage, cls_index: int, alt_index: int, step: int) -> np.ma.MaskedArray:
    """0 = detected (anywhere in the block), 1 = engageable (anywhere in the block), reduced by
    ``step`` per side with :func:`iadsim.coverage.render.block_reduce` (max); masked where neither."""
    from iadsim.coverage.render import block_reduce

    cat = np.where(sc.detection[cls_index, alt_index], np.int8(0), np.int8(-1))
    if sc.engagement is not None:
        cat[sc.engagement[cls_index, alt_index]] = 1
    cat = block_reduce(cat, step, "max", fill=np.int8(-1))
    return np.ma.masked_less(cat.astype(np.float32), 0.0)


def _raster_drawer(sc: SiteCoverage, step: int):
    """A function ``draw(ax, grid, **kw)`` that draws a block-reduced grid of ``sc``'s DEM window in
    lon/lat: ``imshow`` with the window's extent on a lon/lat DEM (exact), ``pcolormesh`` of the block
    centres on a projected one. Returns ``(draw, mid_lat_deg)``."""
    from iadsim.coverage.cartography import to_lonlat

    rows, cols = sc.valid.shape
    nr, nc = -(-rows // step), -(-cols // step)
    t = sc.dem.transform
    if sc.dem.crs.is_geographic and t.b == 0 and t.d == 0:
        extent = (t.c, t.c + t.a * nc * step, t.f + t.e * nr * step, t.f)

        def draw(ax, grid, **kw):
            return ax.imshow(grid, extent=extent, origin="upper", interpolation="nearest", aspect="auto",
                             **kw)

        return draw, t.f + t.e * rows / 2
    cc = np.minimum(np.arange(nc) * step + step / 2, cols)
    rr = np.minimum(np.arange(nr) * step + step / 2, rows)
    xx, yy = np.meshgrid(t.c + t.a * cc, t.f + t.e * rr)
    lon, lat = to_lonlat(sc.dem, xx, yy)

    def draw(ax, grid, **kw):
        return ax.pcolormesh(lon, lat, grid, shading="nearest", rasterized=True, **kw)

    return draw, float(np.mean(lat))


def _fixed_layout(fig, nrow: int, ncol: int, spare: bool) -> None:
    """Margins in inches (no ``tight_layout``): room for tick labels, axis labels, titles, suptitle,
    and the colour bar (right) and legend (bottom) when there is no spare panel."""
    w, h = fig.get_size_inches()
    left, bottom = 0.75 / w, (0.55 if spare else 0.95) / h
    right = 1 - 0.2 / w if spare else 0.895
    top = 1 - (0.6 if ncol > 1 else 0.72) / h
    aw = (right - left) * w / ncol
    ah = (top - bottom) * h / nrow
    fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top,
                        wspace=0.85 / max(aw - 0.85, 0.5), hspace=0.85 / max(ah - 0.85, 0.5))


def _pixel_step(fig, ax, box, sc: SiteCoverage, dpi: float = 100.0) -> int:
    """The block size that leaves at most one grid cell per pixel of the DEM window as drawn on
    ``ax`` (its box after the fixed layout, shrunk to the map's equal-distance aspect)."""
    from iadsim.coverage.cartography import dem_outline_lonlat

    pos = ax.get_position()
    w_in, h_in = fig.get_size_inches()
    aw, ah = pos.width * w_in * dpi, pos.height * h_in * dpi
    west, south, east, north = box
    k = 1.0 / max(0.05, math.cos(math.radians((south + north) / 2)))  # display height per degree / width
    px_per_deg = min(aw / max(east - west, 1e-9), ah / max((north - south) * k, 1e-9))
    ol = dem_outline_lonlat(sc.dem, n_edge=8)
    px_w = max((ol[:, 0].max() - ol[:, 0].min()) * px_per_deg, 1.0)
    px_h = max((ol[:, 1].max() - ol[:, 1].min()) * px_per_deg * k, 1.0)
    rows, cols = sc.valid.shape
    return max(1, math.ceil(max(cols / px_w, rows / px_h)))


def _few_ticks(ax, box) -> None:
    """At most four fixed, formatted ticks per axis (computed once, not at every draw)."""
    from matplotlib.ticker import FixedFormatter, FixedLocator, MaxNLocator

    for axis, lo, hi in ((ax.xaxis, box[0], box[2]), (ax.yaxis, box[1], box[3])):
        ticks = [v for v in MaxNLocator(4).tick_values(lo, hi) if lo <= v <= hi]
        axis.set_major_locator(FixedLocator(ticks))
        axis.set_major_formatter(FixedFormatter([f"{v:g}" for v in ticks]))


def _map_box(sc: SiteCoverage, scenario) -> tuple[float, float, float, float]:
    """The DEM window and every nominal ring, whichever is larger, plus the defended assets."""
    from iadsim.coverage.cartography import dem_outline_lonlat, ring_lonlat, union_box

    lon0, lat0 = math.degrees(sc.site.lon_rad), math.degrees(sc.site.lat_rad)
    parts = [dem_outline_lonlat(sc.dem)]
    parts += [ring_lonlat(lon0, lat0, r) for r in (sc.nominal_detection_m, sc.nominal_engagement_m or 0) if r > 0]
    assets = list(getattr(scenario, "defended_assets", []) or [])
    if assets:
        parts.append(np.array([[a.lon_deg, a.lat_deg] for a in assets]))
    return union_box(parts)


def map_png(sc: SiteCoverage, cls_index: int, out_path: Path, scenario=None, max_px: int = 420,
            alt_indices: Iterable[int] | None = None) -> Path:
    """Detection (blue) and engagement (red) per altitude over hill-shaded terrain, in longitude/latitude,
    with coastlines, borders, cities, sites, defended assets, threat routes (when ``scenario`` is given),
    every nominal ring (the map extends to show them; a dotted line marks where the terrain data ends),
    a scale bar, a north arrow and a colour bar. Grids are block-reduced to at most ``max_px`` cells a
    side and at most one cell per pixel of the terrain window as drawn (100 dpi): heights by the
    block mean, coverage by the block maximum (a block is drawn covered if any cell in it is,
    engageable if any is), and drawn as one image per panel. ``alt_indices`` draws only those altitude layers (one panel each; default all)."""
    layers = list(range(len(sc.altitudes_m)) if alt_indices is None else alt_indices)
    return map_pngs(sc, [(cls_index, layers, out_path)], scenario, max_px)[0]


def map_pngs(sc: SiteCoverage, maps: Sequence[tuple[int, Sequence[int], Path]], scenario=None,
             max_px: int = 420) -> list[Path]:
    """Several :func:`map_png` maps of one site with the same number of panels — ``(class index,
    altitude indices, path)`` each — drawn on one figure: the terrain, basemap and furniture are
    built once and only the coverage images and titles change between saves."""
    if not maps:
        return []
    fig = _MapFigure(sc, scenario, len(maps[0][1]), max_px)
    try:
        return [fig.save(ci, layers, path) for ci, layers, path in maps]
    finally:
        _plt().close(fig.fig)


class _MapFigure:
    """The figure of :func:`map_png` with ``n`` panels, built once (module docstring of figures)."""

    def __init__(self, sc: SiteCoverage, scenario, n: int, max_px: int) -> None:
        from matplotlib.colors import BoundaryNorm, ListedColormap

        from iadsim.coverage.cartography import attribution, draw_dem_edge, draw_rings, draw_scenario, finish, stride_for
        from iadsim.coverage.render import block_reduce

        plt = _plt()
        self.sc = sc
        rows, cols = sc.valid.shape
        ncol = min(n, 3)
        nrow = math.ceil(n / ncol)
        self.ncol, self.n = ncol, n
        box = _map_box(sc, scenario)
        fig, axes = plt.subplots(nrow, ncol, figsize=(4.8 * ncol, 4.6 * nrow) if ncol > 1 else (5.6, 5.6),
                                 squeeze=False)
        spare = axes[-1][-1] if n < nrow * ncol else None  # an empty panel holds the colour bar and legend
        _fixed_layout(fig, nrow, ncol, spare is not None)
        self.step = max(stride_for((rows, cols), max_px), _pixel_step(fig, axes[0][0], box, sc))
        draw, mid_lat_deg = _raster_drawer(sc, self.step)
        t = sc.dem.transform
        geographic = sc.dem.crs.is_geographic
        mid_lat = math.radians(mid_lat_deg)
        dx = abs(t.a) * (111_320 * math.cos(mid_lat) if geographic else 1.0) * self.step
        dy = abs(t.e) * (111_320 if geographic else 1.0) * self.step
        shade = _hillshade(block_reduce(sc.dem.height_m, self.step, "mean"), dx, dy)
        cmap = ListedColormap(["#3182bd", "#de2d26"])
        norm = BoundaryNorm([-0.5, 0.5, 1.5], 2)
        lon0, lat0 = math.degrees(sc.site.lon_rad), math.degrees(sc.site.lat_rad)
        rings = [(sc.nominal_detection_m, f"{sc.nominal_detection_m / 1e3:.0f} km detection ring")]
        if sc.nominal_engagement_m:
            rings.append((sc.nominal_engagement_m, f"{sc.nominal_engagement_m / 1e3:.0f} km engagement ring"))
        self.fig = fig
        self.images, self.titles = [], []
        empty = np.ma.masked_all(shade.shape, dtype=np.float32)
        handles: list = []
        mesh = None
        for k in range(n):
            ax = axes[k // ncol][k % ncol]
            draw(ax, shade, cmap="gray", vmin=-0.2, vmax=1.2, zorder=1)
            mesh = draw(ax, empty, cmap=cmap, norm=norm, alpha=0.55, zorder=2)
            self.images.append(mesh)
            draw_dem_edge(ax, sc.dem)
            draw_rings(ax, lon0, lat0, rings)
            handles = draw_scenario(ax, scenario) if scenario is not None else [
                ax.scatter([lon0], [lat0], marker="^", s=40, c="k", edgecolors="w", zorder=8,
                           label="air-defence site")]
            finish(ax, box)
            _few_ticks(ax, box)
            self.titles.append(ax.set_title(" ", fontsize=9))
        for j in range(n, nrow * ncol):
            axes[j // ncol][j % ncol].axis("off")
        self.suptitle = fig.suptitle(" ", fontsize=10 if ncol > 1 else 9)
        if spare is not None:
            cax = spare.inset_axes((0.1, 0.62, 0.8, 0.07))
            cb = fig.colorbar(mesh, cax=cax, ticks=[0, 1], orientation="horizontal")
            cb.ax.set_xticklabels(["detected", "engageable"], fontsize=8)
            if handles:
                spare.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.5), fontsize=8,
                             frameon=False)
        else:
            cax = fig.add_axes((0.91, 0.25, 0.015, 0.5))
            cb = fig.colorbar(mesh, cax=cax, ticks=[0, 1])
            cb.ax.set_yticklabels(["detected", "engageable"], fontsize=7, rotation=90, va="center")
            if handles:
                fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 0.02), ncol=len(handles),
                           fontsize=7 if ncol > 1 else 6.5, frameon=False)
        attribution(fig)

    def save(self, cls_index: int, layers: Sequence[int], out_path: Path) -> Path:
        sc = self.sc
        if len(layers) != self.n:
            raise ValueError(f"this map figure has {self.n} panels, got {len(layers)} altitude layers")
        cls = sc.classes[cls_index]
        for img, title, i in zip(self.images, self.titles, layers):
            grid = _coverage_classes(sc, cls_index, i, self.step)
            if hasattr(img, "set_data"):
                img.set_data(grid)
            else:  # a QuadMesh (projected DEM)
                img.set_array(grid)
            title.set_text(f"{cls} at {_alt_label(sc, sc.altitudes_m[i])}")
        sep = "\n" if self.ncol == 1 else " "
        self.suptitle.set_text(f"{sc.site.name}: where a {cls.replace('_', ' ')} is detected "
                               f"(Pd ≥ {sc.pd_threshold:g}) and engageable;{sep}dashed = nominal catalog rings")
        out_path.parent.mkdir(parents=True, exist_ok=True)
        self.fig.savefig(out_path, dpi=100)
        return out_path


def map_layer_pngs(sc: SiteCoverage, cls_index: int, out_dir: Path, scenario=None,
                   max_px: int = 300) -> list[tuple[str, Path]]:
    """One single-panel map per altitude layer (for the report's class/altitude selector):
    ``[("site|class|altitude label", path), ...]``."""
    cls = sc.classes[cls_index]
    labels = [_alt_label(sc, alt) for alt in sc.altitudes_m]
    maps = [(cls_index, [i], out_dir / f"{slug(sc.site.name)}_{slug(cls)}_{slug(label)}.png")
            for i, label in enumerate(labels)]
    paths = map_pngs(sc, maps, scenario, max_px)  # one figure, the coverage swapped between saves
    return [(f"{sc.site.name}|{cls}|{label}", p) for label, p in zip(labels, paths)]


def vertical_coverage_png(world: World, radar: RadarInstance, classes: Iterable[str], pd_threshold: float,
                          out_path: Path, max_height_m: float = 30_000.0) -> Path:
    """Range–height diagram on the effective earth: where Pd ≥ threshold, per class (smooth earth)."""
    plt = _plt()
    max_gr = radar.max_range_m * 1.05
    gr = np.linspace(0.0, max_gr, 600)
    h = np.linspace(0.0, max_height_m, 400)
    G, H = np.meshgrid(gr, h)
    h_msl = H + radar.ground_alt_m
    slant, el = slant_range_elevation(G, radar.antenna_alt_msl_m, h_msl, world.k_factor)
    ok = (el >= radar.elevation_min_rad) & (el <= radar.elevation_max_rad) & (slant <= radar.max_range_m)
    # line of sight over a smooth effective earth (no terrain in this diagram)
    ok &= H >= smooth_earth_lowest_visible_height_m(G, radar.mast_m, world.k_factor)
    table = world.pd_table(radar)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, cls in enumerate(classes):
        snr = snr_from_constant(radar.radar_constant_m2, np.maximum(slant, 1.0), world.rcs_m2(cls, radar.band))
        pd = np.where(ok, table(snr), 0.0)
        color = colors[i % len(colors)]
        ax.contourf(gr / 1e3, h / 1e3, pd, levels=[pd_threshold, 1.01], colors=[color], alpha=0.15)
        ax.contour(gr / 1e3, h / 1e3, pd, levels=[pd_threshold], colors=[color], linewidths=1.2)
        ax.plot([], [], color=colors[i % len(colors)], label=f"{cls} (σ = {world.rcs_m2(cls, radar.band):g} m², "
                                                             f"{radar.band} band)")
    for el_deg in (0.0, 1.0, 2.0, 5.0, 10.0):
        r = np.linspace(0, max_gr * 1.2, 200)
        hh = target_height_m(r, math.radians(el_deg), radar.antenna_alt_msl_m, world.k_factor) - radar.ground_alt_m
        gg = ground_range_m(r, math.radians(el_deg), radar.antenna_alt_msl_m, world.k_factor)
        sel = (hh <= max_height_m) & (gg <= max_gr)
        ax.plot(gg[sel] / 1e3, hh[sel] / 1e3, color="0.7", lw=0.6, ls=":")
        if sel.any():
            ax.annotate(f"{el_deg:g}°", (gg[sel][-1] / 1e3, hh[sel][-1] / 1e3), fontsize=6, color="0.5")
    ax.axvline(radar.reference_range_m / 1e3, color="k", ls="--", lw=0.8)
    ax.annotate(f"published {radar.reference_range_m / 1e3:.0f} km", (radar.reference_range_m / 1e3, max_height_m / 1e3 * 0.95),
                fontsize=7, ha="right")
    ax.set_xlabel("ground range on the 4/3 earth (km)" if abs(world.k_factor - 4 / 3) < 1e-6
                  else f"ground range on the k = {world.k_factor:.3g} earth (km)")
    ax.set_ylabel("target height above the radar's ground (km)")
    ax.set_title(f"{radar.equipment} at {radar.site}: Pd ≥ {pd_threshold:g} (smooth earth, mast {radar.mast_m:g} m)",
                 fontsize=10)
    ax.set_xlim(0, max_gr / 1e3)
    ax.set_ylim(0, max_height_m / 1e3)
    ax.legend(fontsize=7, loc="upper right")
    fig.subplots_adjust(left=0.075, right=0.98, bottom=0.11, top=0.93)  # fixed: no tight_layout pass
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_path, dpi=110)
    plt.close(fig)
    return out_path


def ring_polar_png(rows: list[RingRow], site: str, product: str, radar: str, cls: str, out_path: Path,
                   sector_deg: float) -> Path | None:
    sel = [r for r in rows if r.site == site and r.product == product and r.radar == radar and r.threat_class == cls]
    if not sel:
        return None
    plt = _plt()
    fig = plt.figure(figsize=(5, 5))
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    n = len(sel[0].reach_km)
    theta = np.radians((np.arange(n) + 0.5) * sector_deg)
    th = np.append(theta, theta[0])
    for r in sel:
        (line,) = ax.plot(th, np.append(r.reach_km, r.reach_km[0]), lw=1.2,
                          label=f"{r.altitude_m:g} m {r.altitude_ref.upper()}")
        if r.reach_low_km is not None and r.reach_high_km is not None:
            ax.fill_between(th, np.append(r.reach_low_km, r.reach_low_km[0]),
                            np.append(r.reach_high_km, r.reach_high_km[0]), color=line.get_color(), alpha=0.12, lw=0)
    ring = np.linspace(0, 2 * np.pi, 200)
    ax.plot(ring, np.full_like(ring, sel[0].nominal_km), "k--", lw=1, label=f"nominal {sel[0].nominal_km:.0f} km")
    ax.set_title(f"{site} {product} ({radar}) vs {cls}: reach per {sector_deg:g}° sector (km)\n"
                 f"at Pd ≥ {sel[0].pd_threshold:g}; shaded: catalog low–high RCS and radar constant", fontsize=8)
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(-0.15, -0.15))
    ax.tick_params(labelsize=7)
    fig.subplots_adjust(left=0.17, right=0.9, bottom=0.2, top=0.84)  # fixed: no tight_layout pass
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_path, dpi=110)
    plt.close(fig)
    return out_path
