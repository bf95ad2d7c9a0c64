"""Network (union) products: what a scenario's sites cover together.

Every site's products live on its own window of the world DEM (:meth:`iadsim.world.World.site_window`);
the network grid is the smallest window of the world DEM holding them all, and each site's window
is placed on it by its integer cell offset (windows are slices of one grid, so nothing is
resampled). Per threat class × altitude layer:

* ``best_pd``: the best Pd of any radar of any site (max over sites of ``SiteCoverage.pd_max``,
  cells outside a site's coverage radius do not count);
* ``n_sites[product]`` for detection, track and engagement: how many sites cover each cell;
* ``gaps[product]``: cells inside some site's nominal ring (the published detection range for
  detection and track, the missiles' maximum range for engagement) that no site covers.

Written as GeoTIFFs (``network/<class>_pd.tif``, ``network/<class>_<product>_sites.tif``, one
band per altitude), a ``network/gaps.geojson`` (exact polygons: an analysis product) and the
network's ring table ``network/rings.csv`` (area inside the nominal rings, covered, gap).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
import rasterio.features
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from shapely.geometry import mapping, shape

from iadsim.coverage.compute import CoverageResult, SiteCoverage
from iadsim.coverage.products import _cell_area_km2, slug
from iadsim.geo.dem import Dem

PRODUCTS = ("detection", "track", "engagement")


@dataclass
class NetworkCoverage:
    """Union products of every site on one grid (a window of the world DEM); arrays (C, A, rows, cols)."""

    dem: Dem
    classes: list[str]
    altitudes_m: list[float]
    altitude_ref: str
    best_pd: np.ndarray  # float32
    n_sites: dict[str, np.ndarray]  # uint16
    #: (rows, cols): inside some site's coverage radius
    analysed: np.ndarray
    #: product → (rows, cols): inside some site's nominal ring for that product
    inside_ring: dict[str, np.ndarray] = field(default_factory=dict)
    #: (rows, cols) area of each cell, km² (broadcastable)
    cell_area_km2: np.ndarray | None = None

    def gaps(self, product: str) -> np.ndarray:
        """(C, A, rows, cols): inside the product's nominal ring and covered by no site."""
        return self.inside_ring[product][None, None] & (self.n_sites[product] == 0)


def _offset(world_dem: Dem, window: Dem) -> tuple[int, int]:
    col, row = ~world_dem.transform @ (window.transform.c, window.transform.f)
    return int(round(row)), int(round(col))


def _network_grid(result: CoverageResult) -> tuple[Dem, list[tuple[int, int]]]:
    base = result.world.dem
    offs = [_offset(base, sc.dem) for sc in result.sites]
    r0 = min(r for r, _ in offs)
    c0 = min(c for _, c in offs)
    r1 = max(r + sc.valid.shape[0] for (r, _), sc in zip(offs, result.sites))
    c1 = max(c + sc.valid.shape[1] for (_, c), sc in zip(offs, result.sites))
    dem = Dem(height_m=np.ascontiguousarray(base.height_m[r0:r1, c0:c1]),
              transform=base.transform @ Affine.translation(c0, r0), crs=base.crs, source=base.source)
    return dem, [(r - r0, c - c0) for r, c in offs]


def network_union(result: CoverageResult) -> NetworkCoverage:
    """The union products of every site of ``result`` (see module docstring)."""
    if not result.sites:
        raise ValueError("network_union needs at least one site")
    dem, offs = _network_grid(result)
    first = result.sites[0]
    shape = (len(first.classes), len(first.altitudes_m)) + dem.shape
    best = np.zeros(shape, dtype=np.float32)
    n_sites = {p: np.zeros(shape, dtype=np.uint16) for p in PRODUCTS}
    analysed = np.zeros(dem.shape, dtype=bool)
    inside = {p: np.zeros(dem.shape, dtype=bool) for p in PRODUCTS}
    for (r, c), sc in zip(offs, result.sites):
        win = (slice(r, r + sc.valid.shape[0]), slice(c, c + sc.valid.shape[1]))
        cube = (slice(None), slice(None)) + win
        np.maximum(best[cube], np.where(sc.valid[None, None], sc.pd_max, np.float32(0.0)), out=best[cube])
        for product, arr in sc.products().items():
            n_sites[product][cube] += arr  # site products are already 0 outside the site's radius
        analysed[win] |= sc.valid
        _rings(sc, inside, win)
    area = _cell_area_km2(_AreaView(dem))  # the site GeoJSON's area weights
    return NetworkCoverage(dem=dem, classes=list(first.classes), altitudes_m=list(first.altitudes_m),
                           altitude_ref=first.altitude_ref.value, best_pd=best, n_sites=n_sites, analysed=analysed,
                           inside_ring=inside, cell_area_km2=area)


@dataclass
class _AreaView:
    """What :func:`iadsim.coverage.products._cell_area_km2` reads of a site (its grid)."""

    dem: Dem

    @property
    def valid(self) -> np.ndarray:
        return np.zeros(self.dem.shape, dtype=bool)


def _rings(sc: SiteCoverage, inside: dict[str, np.ndarray], win: tuple[slice, slice]) -> None:
    ring = sc.valid & (sc.ground_range_m <= sc.nominal_detection_m)
    inside["detection"][win] |= ring
    inside["track"][win] |= ring
    if sc.engagement is not None and sc.nominal_engagement_m is not None:
        inside["engagement"][win] |= sc.valid & (sc.ground_range_m <= sc.nominal_engagement_m)


def _alt_label(net: NetworkCoverage, alt: float) -> str:
    return f"{alt:g} m {net.altitude_ref.upper()}"


def write_network(net: NetworkCoverage, out_dir: Path) -> list[Path]:
    """GeoTIFFs, gaps GeoJSON and ring table of the network (module docstring) under ``out_dir/network``."""
    out = Path(out_dir) / "network"
    out.mkdir(parents=True, exist_ok=True)
    return _write_tiffs(net, out) + [_write_gaps(net, out), _write_ring_table(net, out)]


def _profile(net: NetworkCoverage) -> dict:
    rows, cols = net.dem.shape
    tiled = rows >= 256 and cols >= 256
    prof = dict(driver="GTiff", height=rows, width=cols, crs=net.dem.crs.to_wkt(), transform=net.dem.transform,
                compress="deflate", tiled=tiled)
    if tiled:
        prof.update(blockxsize=256, blockysize=256)
    return prof


def _write_tiffs(net: NetworkCoverage, out: Path) -> list[Path]:
    paths = []
    outside = ~net.analysed[None]
    for ci, cls in enumerate(net.classes):
        p = out / f"{slug(cls)}_pd.tif"
        data = np.where(outside, np.float32(np.nan), net.best_pd[ci])
        with rasterio.open(p, "w", count=len(net.altitudes_m), dtype="float32", nodata=np.nan, predictor=3,
                           **_profile(net)) as ds:
            ds.write(data)
            for a, alt in enumerate(net.altitudes_m):
                ds.set_band_description(a + 1, f"best Pd {cls} {_alt_label(net, alt)}")
            ds.update_tags(product="best_pd", threat_class=cls, units="probability")
        paths.append(p)
        for product in PRODUCTS:
            if not net.inside_ring[product].any() and not net.n_sites[product].any():
                continue
            p = out / f"{slug(cls)}_{product}_sites.tif"
            data = np.where(outside, np.uint16(65535), net.n_sites[product][ci])
            with rasterio.open(p, "w", count=len(net.altitudes_m), dtype="uint16", nodata=65535, predictor=2,
                               **_profile(net)) as ds:
                ds.write(data)
                for a, alt in enumerate(net.altitudes_m):
                    ds.set_band_description(a + 1, f"sites with {product} {cls} {_alt_label(net, alt)}")
                ds.update_tags(product=f"{product}_sites", threat_class=cls, units="sites")
            paths.append(p)
    return paths


def _area(net: NetworkCoverage, mask: np.ndarray) -> float:
    return float(np.sum(np.broadcast_to(net.cell_area_km2, mask.shape)[mask]))


class GapPolygons:
    """The gaps product (module docstring) gathered tile by tile, exact: each tile's gap mask is
    traced in whole-cell coordinates of the network grid (integers, so pieces from neighbouring
    tiles meet exactly), the pieces of each product × class × altitude are merged, collinear
    vertices where tiles met are dropped, and only then is the grid's transform (and the change to
    WGS84) applied. The untiled product is the same with one tile, so both give the same polygons.
    ``gap_area_km2`` sums each gap cell's area."""

    def __init__(self, dem: Dem, classes: list[str], altitudes_m: list[float], altitude_ref: str,
                 cell_area_km2: np.ndarray) -> None:
        self.dem, self.classes, self.altitudes_m, self.altitude_ref = dem, list(classes), list(altitudes_m), altitude_ref
        self.area_km2 = cell_area_km2
        self.parts: dict[tuple[str, int, int], list] = {}
        self.km2: dict[tuple[str, int, int], float] = {}
        self.products: set[str] = set()

    def add(self, r0: int, c0: int, inside_ring: dict[str, np.ndarray], n_sites: dict[str, np.ndarray]) -> None:
        """One tile at (row ``r0``, col ``c0``) of the network grid: rings (rows, cols) and site counts
        (C, A, rows, cols) per product."""
        rows, cols = next(iter(inside_ring.values())).shape
        area_rows = np.broadcast_to(self.area_km2[r0:r0 + rows] if self.area_km2.shape[0] > 1 else self.area_km2,
                                    (rows, 1))[:, 0]  # km² of one cell, per row
        to_grid = Affine.translation(c0, r0)
        for product in PRODUCTS:
            ring = inside_ring[product]
            if not ring.any():
                continue
            self.products.add(product)
            gaps = ring[None, None] & (n_sites[product] == 0)
            per_row = gaps.sum(axis=3, dtype=np.int64)  # (C, A, rows) gap cells per row
            km2 = per_row @ area_rows
            for ci in range(len(self.classes)):
                for a in range(len(self.altitudes_m)):
                    key = (product, ci, a)
                    self.km2[key] = self.km2.get(key, 0.0) + float(km2[ci, a])
                    if per_row[ci, a].any():
                        mask = gaps[ci, a]
                        self.parts.setdefault(key, []).extend(
                            shape(g) for g, v in rasterio.features.shapes(mask.view(np.uint8), mask=mask,
                                                                          transform=to_grid) if v == 1)

    def geometry(self, key: tuple[str, int, int]):
        """The merged gap polygons of ``key`` in WGS84 lon/lat (None where there is no gap)."""
        parts = self.parts.get(key)
        if not parts:
            return None
        merged = shapely.union_all(parts).simplify(0.0, preserve_topology=True)
        t = self.dem.transform
        merged = shapely.transform(merged, lambda xy: np.column_stack(
            (t.a * xy[:, 0] + t.b * xy[:, 1] + t.c, t.d * xy[:, 0] + t.e * xy[:, 1] + t.f)))
        if not self.dem.crs.is_geographic or self.dem.crs != CRS.from_epsg(4326):
            to_ll = Transformer.from_crs(self.dem.crs, CRS.from_epsg(4326), always_xy=True)
            merged = shapely.transform(merged, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
        return merged

    def write(self, path: Path) -> Path:
        """``gaps.geojson``: one feature per product (with a ring) × class × altitude."""
        feats = []
        for product in (p for p in PRODUCTS if p in self.products):
            for ci, cls in enumerate(self.classes):
                for a, alt in enumerate(self.altitudes_m):
                    geom = self.geometry((product, ci, a))
                    feats.append({"type": "Feature",
                                  "properties": {"product": product, "threat_class": cls, "altitude_m": alt,
                                                 "altitude_ref": self.altitude_ref,
                                                 "gap_area_km2": round(self.km2.get((product, ci, a), 0.0), 1)},
                                  "geometry": mapping(geom) if geom is not None and not geom.is_empty else None})
        path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, separators=(",", ":")))
        return path


def gap_polygons(net: NetworkCoverage) -> GapPolygons:
    """The gaps product of an in-memory network (one tile: the whole grid)."""
    g = GapPolygons(net.dem, net.classes, net.altitudes_m, net.altitude_ref, net.cell_area_km2)
    g.add(0, 0, net.inside_ring, net.n_sites)
    return g


def _write_gaps(net: NetworkCoverage, out: Path) -> Path:
    return gap_polygons(net).write(out / "gaps.geojson")


def ring_table(net: NetworkCoverage) -> list[dict]:
    """Per product × class × altitude: area inside the nominal rings, covered by ≥ 1 site, gap (km²)."""
    rows = []
    for product in PRODUCTS:
        ring = net.inside_ring[product]
        if not ring.any():
            continue
        ring_km2 = _area(net, ring)
        for ci, cls in enumerate(net.classes):
            for a, alt in enumerate(net.altitudes_m):
                covered = ring & (net.n_sites[product][ci, a] > 0)
                cov_km2 = _area(net, covered)
                rows.append({"product": product, "threat_class": cls, "altitude_m": alt,
                             "altitude_ref": net.altitude_ref, "inside_rings_km2": round(ring_km2, 1),
                             "covered_km2": round(cov_km2, 1), "gap_km2": round(ring_km2 - cov_km2, 1),
                             "covered_fraction": round(cov_km2 / ring_km2, 4) if ring_km2 > 0 else 0.0,
                             "max_sites": int(net.n_sites[product][ci, a].max())})
    return rows


def _write_ring_table(net: NetworkCoverage, out: Path) -> Path:
    return write_ring_rows(ring_table(net), out / "rings.csv")


def write_ring_rows(rows: list[dict], p: Path) -> Path:
    """The network ring table as CSV."""
    with p.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["product"])
        w.writeheader()
        w.writerows(rows)
    return p
