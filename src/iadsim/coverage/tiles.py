"""Network coverage in tiles: the union products without a classes × altitudes cube per site.

:func:`iadsim.coverage.compute.compute_coverage` holds, per radar, float32 cubes of
classes × altitudes × window cells (Pd, SNR, low/high cases) — what the site maps, ring tables
and spreads need, and what cannot grow to a country. Here only per-site rasters stay in memory
(ground range and azimuth from the site, float64; each radar's lowest visible height from its
one terrain pass over the site's window clipped to its maximum range, float64) — 16 + 8·radars
bytes per window cell; the classes × altitudes work runs tile by tile of the network grid
(:func:`iadsim.coverage.network.network_union`'s grid), through the same functions as the untiled
path (:meth:`World.radar_visible_snr_layers`, :meth:`PdTable.pd_layers`, the site products), so
the result is equal cell for cell. Each finished tile is handed to a sink: assembled in memory
(:class:`ArraySink`, for tests and moderate grids) or written into tiled, compressed GeoTIFFs
(:class:`GeoTiffSink`, out of core). Tiles can run on a Dask cluster (:mod:`iadsim.coverage.dask`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.windows import Window

from iadsim.coverage.compute import _missile_envelope, _site_products
from iadsim.coverage.network import PRODUCTS, GapPolygons, NetworkCoverage
from iadsim.coverage.products import _cell_area_km2, slug
from iadsim.errors import InputError
from iadsim.geo.dem import Dem
from iadsim.scenario import AltRef
from iadsim.sensors.terrain import observer_geometry
from iadsim.world import RadarInstance, SiteInstance, World
from iadsim.world.budget import TILE_BYTES_PER_CELL_LAYER_RADAR

#: bytes of working memory per tile cell and (class × altitude) layer and radar (float64 SNR per
#: layer, float32 Pd, bool masks), used to refuse a tile size that cannot fit (the resource
#: estimate of a tiled run, :mod:`iadsim.world.budget`, uses the same figure)
BYTES_PER_TILE_CELL_LAYER = TILE_BYTES_PER_CELL_LAYER_RADAR


class TileSizeError(InputError):
    """A tile size that is not a positive number of cells or does not fit in memory."""


@dataclass
class SitePrep:
    """What a site's tiles need: its window on the network grid and its per-cell rasters."""

    site: SiteInstance
    dem: Dem
    row0: int
    col0: int
    ground_range_m: np.ndarray
    az_rad: np.ndarray
    radars: list[RadarInstance]
    lvh_m: list[np.ndarray]
    cell_m: float
    nominal_detection_m: float
    has_env: bool
    engagement_radar: bool

    def window(self, r0: int, r1: int, c0: int, c1: int) -> tuple[slice, slice, slice, slice] | None:
        """(rows, cols) of this site's window inside tile [r0:r1, c0:c1] of the network grid,
        as (site rows, site cols, tile rows, tile cols); None if they do not meet."""
        h, w = self.ground_range_m.shape
        a0, a1 = max(r0, self.row0), min(r1, self.row0 + h)
        b0, b1 = max(c0, self.col0), min(c1, self.col0 + w)
        if a0 >= a1 or b0 >= b1:
            return None
        return (slice(a0 - self.row0, a1 - self.row0), slice(b0 - self.col0, b1 - self.col0),
                slice(a0 - r0, a1 - r0), slice(b0 - c0, b1 - c0))


@dataclass
class TilePlan:
    """The network grid, the coverage settings and every site's preparation."""

    dem: Dem
    classes: list[str]
    altitudes_m: list[float]
    ref: AltRef
    pd_threshold: float
    fc_pd: float
    m_of_n: tuple[int, int]
    radius_m: float
    sites: list[SitePrep]


def check_tile_size(tile_size: int, n_layers: int, n_radars_max: int, memory_bytes: float | None = None,
                    grid_cells: int | None = None) -> None:
    """Refuse a tile size that is not positive or whose working set (a tile clipped to the
    grid's ``grid_cells``) exceeds half the available memory."""
    if not isinstance(tile_size, int) or tile_size < 16:
        raise TileSizeError(f"tile size must be a whole number of cells ≥ 16, got {tile_size!r}",
                            field="--tile-size")
    cells = float(tile_size) ** 2 if grid_cells is None else min(float(tile_size) ** 2, float(grid_cells))
    need = cells * n_layers * max(n_radars_max, 1) * BYTES_PER_TILE_CELL_LAYER
    avail = memory_bytes if memory_bytes is not None else _available_memory_bytes()
    if avail is not None and need > 0.5 * avail:
        raise TileSizeError(f"a {tile_size}×{tile_size} tile needs about {need / 2**30:.1f} GiB of working memory, "
                            f"more than half of the {avail / 2**30:.1f} GiB available; use a smaller --tile-size",
                            field="--tile-size")


def _available_memory_bytes() -> float | None:
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES")) * float(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # not a POSIX system: no check
        return None


def plan_tiles(world: World) -> TilePlan:
    """Prepare every site once: window, geometry and each radar's terrain pass (module docstring)."""
    cs = world.scenario.coverage
    classes = world.scenario.threat_classes_for_coverage() or list(world.catalog.names("threat"))
    base = world.dem
    preps: list[tuple[SiteInstance, Dem, int, int]] = []
    for site in world.sites:
        dem = world.site_window(site.lat_rad, site.lon_rad)
        col, row = ~base.transform @ (dem.transform.c, dem.transform.f)
        preps.append((site, dem, int(round(row)), int(round(col))))
    r0 = min(p[2] for p in preps)
    c0 = min(p[3] for p in preps)
    r1 = max(p[2] + p[1].shape[0] for p in preps)
    c1 = max(p[3] + p[1].shape[1] for p in preps)
    grid = Dem(height_m=np.ascontiguousarray(base.height_m[r0:r1, c0:c1]),
               transform=base.transform @ Affine.translation(c0, r0), crs=base.crs, source=base.source)
    sites = [_prep_site(world, site, dem, row - r0, col - c0) for site, dem, row, col in preps]
    return TilePlan(dem=grid, classes=list(classes), altitudes_m=[float(a) for a in cs.altitudes_m],
                    ref=cs.altitude_ref, pd_threshold=float(cs.pd_threshold),
                    fc_pd=float(world.scenario.engagement.fire_control_pd), m_of_n=tuple(cs.track_m_of_n),
                    radius_m=world.coverage_radius_m(), sites=sites)


def _prep_site(world: World, site: SiteInstance, dem: Dem, row0: int, col0: int) -> SitePrep:
    gr_m, az_rad = observer_geometry(dem, site.lat_rad, site.lon_rad)
    radars = [world.radars[ri] for ri in site.radars]
    lvh = [world.radar_terrain(r).lowest_visible_height_m for r in radars]
    return SitePrep(site=site, dem=dem, row0=row0, col0=col0, ground_range_m=gr_m, az_rad=az_rad, radars=radars,
                    lvh_m=lvh, cell_m=float(np.mean(dem.cell_size_m())),
                    nominal_detection_m=max((r.reference_range_m for r in radars), default=0.0),
                    has_env=bool(site.launchers),
                    engagement_radar=any(r.role == "engagement" for r in radars))


def tiles(shape: tuple[int, int], tile_size: int) -> Iterator[tuple[int, int, int, int]]:
    """(r0, r1, c0, c1) of every tile of a grid, row by row."""
    rows, cols = shape
    for r0 in range(0, rows, tile_size):
        for c0 in range(0, cols, tile_size):
            yield r0, min(rows, r0 + tile_size), c0, min(cols, c0 + tile_size)


@dataclass
class TileResult:
    """One tile's union products (module :mod:`iadsim.coverage.network`); arrays (C, A, rows, cols)."""

    bounds: tuple[int, int, int, int]
    best_pd: np.ndarray
    n_sites: dict[str, np.ndarray]
    analysed: np.ndarray
    inside_ring: dict[str, np.ndarray]


@dataclass
class _Role:
    radar: RadarInstance


def compute_tile(world: World, plan: TilePlan, bounds: tuple[int, int, int, int]) -> TileResult:
    """The union products of one tile: every site that meets it, every radar of the site."""
    r0, r1, c0, c1 = bounds
    shape = (len(plan.classes), len(plan.altitudes_m), r1 - r0, c1 - c0)
    best = np.zeros(shape, dtype=np.float32)
    n_sites = {p: np.zeros(shape, dtype=np.uint16) for p in PRODUCTS}
    analysed = np.zeros(shape[2:], dtype=bool)
    inside = {p: np.zeros(shape[2:], dtype=bool) for p in PRODUCTS}
    for sp in plan.sites:
        win = sp.window(r0, r1, c0, c1)
        if win is None:
            continue
        _site_tile(world, plan, sp, win, best, n_sites, analysed, inside)
    return TileResult(bounds=bounds, best_pd=best, n_sites=n_sites, analysed=analysed, inside_ring=inside)


def _site_tile(world: World, plan: TilePlan, sp: SitePrep, win: tuple[slice, slice, slice, slice],
               best: np.ndarray, n_sites: dict[str, np.ndarray], analysed: np.ndarray,
               inside: dict[str, np.ndarray]) -> None:
    sr, scl, tr, tc = win
    gr = np.ascontiguousarray(sp.ground_range_m[sr, scl])
    az = np.ascontiguousarray(sp.az_rad[sr, scl])
    sub = Dem(height_m=np.ascontiguousarray(sp.dem.height_m[sr, scl]),
              transform=sp.dem.transform @ Affine.translation(scl.start, sr.start), crs=sp.dem.crs,
              source=sp.dem.source)
    valid = gr <= plan.radius_m
    pds, roles = [], []
    for radar, lvh in zip(sp.radars, sp.lvh_m):
        vis, snr1 = world.radar_visible_snr_layers(radar, sub, gr, az, plan.altitudes_m, plan.ref is AltRef.agl,
                                                   np.ascontiguousarray(lvh[sr, scl]), sp.cell_m)
        rcs = [world.rcs_m2(c, radar.band) for c in plan.classes]
        pd, _, _ = world.pd_table(radar).pd_layers(snr1, vis, rcs)
        pds.append(pd)
        roles.append(_Role(radar))
    env = None
    nominal_eng = None
    if sp.has_env:
        ground = np.asarray(sub.height_m, dtype=np.float64)
        env, nominal_eng = _missile_envelope(world, sp.site, ground, gr, plan.altitudes_m, plan.ref)
        if not sp.engagement_radar:
            env = np.zeros_like(env)
    cube = (slice(None), slice(None), tr, tc)
    if pds:
        prod = _site_products(roles, pds, env, valid, plan.pd_threshold, plan.fc_pd, plan.m_of_n)
        pd_max = pds[0] if len(pds) == 1 else np.maximum.reduce(pds)
        np.maximum(best[cube], np.where(valid[None, None], pd_max, np.float32(0.0)), out=best[cube])
        n_sites["detection"][cube] += prod.detection
        n_sites["track"][cube] += prod.track
        if prod.engagement is not None:
            n_sites["engagement"][cube] += prod.engagement
    analysed[tr, tc] |= valid
    ring = valid & (gr <= sp.nominal_detection_m)
    inside["detection"][tr, tc] |= ring
    inside["track"][tr, tc] |= ring
    if env is not None and nominal_eng is not None:
        inside["engagement"][tr, tc] |= valid & (gr <= nominal_eng)


# ------------------------------------------------------------------------------------ sinks
class ArraySink:
    """Assembles tiles into one :class:`NetworkCoverage` in memory."""

    def __init__(self, plan: TilePlan) -> None:
        shape = (len(plan.classes), len(plan.altitudes_m)) + plan.dem.shape
        self.net = NetworkCoverage(
            dem=plan.dem, classes=list(plan.classes), altitudes_m=list(plan.altitudes_m),
            altitude_ref=plan.ref.value, best_pd=np.zeros(shape, dtype=np.float32),
            n_sites={p: np.zeros(shape, dtype=np.uint16) for p in PRODUCTS},
            analysed=np.zeros(plan.dem.shape, dtype=bool),
            inside_ring={p: np.zeros(plan.dem.shape, dtype=bool) for p in PRODUCTS},
            cell_area_km2=_cell_area_km2(_Grid(plan.dem)))

    def __call__(self, t: TileResult) -> None:
        r0, r1, c0, c1 = t.bounds
        self.net.best_pd[..., r0:r1, c0:c1] = t.best_pd
        for p in PRODUCTS:
            self.net.n_sites[p][..., r0:r1, c0:c1] = t.n_sites[p]
            self.net.inside_ring[p][r0:r1, c0:c1] = t.inside_ring[p]
        self.net.analysed[r0:r1, c0:c1] = t.analysed

    def close(self) -> NetworkCoverage:
        return self.net


@dataclass
class _Grid:
    dem: Dem

    @property
    def valid(self) -> np.ndarray:
        return np.zeros(self.dem.shape, dtype=bool)


class GeoTiffSink:
    """Writes each tile into tiled, deflate-compressed GeoTIFFs under ``out_dir/network`` (one
    band per altitude; ``<class>_pd.tif`` float32 best Pd, ``<class>_<product>_sites.tif``
    uint16 sites covering; nodata outside every site's radius), then builds overviews; gathers
    the ring table's areas and the gaps polygons (:meth:`ring_rows`, :meth:`write_gaps`)."""

    def __init__(self, plan: TilePlan, out_dir: Path, block: int = 256) -> None:
        self.plan = plan
        out = Path(out_dir) / "network"
        out.mkdir(parents=True, exist_ok=True)
        rows, cols = plan.dem.shape
        base = dict(driver="GTiff", height=rows, width=cols, count=len(plan.altitudes_m), crs=plan.dem.crs.to_wkt(),
                    transform=plan.dem.transform, compress="deflate", tiled=True, blockxsize=block,
                    blockysize=block, BIGTIFF="IF_SAFER")
        self.area_km2 = _cell_area_km2(_Grid(plan.dem))
        n_c, n_a = len(plan.classes), len(plan.altitudes_m)
        #: product → km² inside the nominal rings; product → (C, A) km² of it covered by ≥ 1 site
        self.ring_km2 = {p: 0.0 for p in PRODUCTS}
        self.covered_km2 = {p: np.zeros((n_c, n_a)) for p in PRODUCTS}
        self.files: dict[tuple[str, str], rasterio.io.DatasetWriter] = {}
        self.paths: list[Path] = []
        #: the network's gaps, traced tile by tile (:class:`iadsim.coverage.network.GapPolygons`)
        self.gaps = GapPolygons(plan.dem, plan.classes, plan.altitudes_m, plan.ref.value, self.area_km2)
        for cls in plan.classes:
            self._open(out / f"{slug(cls)}_pd.tif", (cls, "pd"), dict(base, dtype="float32", nodata=np.nan, predictor=3),
                       "best Pd", cls, "probability")
            for p in PRODUCTS:
                self._open(out / f"{slug(cls)}_{p}_sites.tif", (cls, p),
                           dict(base, dtype="uint16", nodata=65535, predictor=2), f"sites with {p}", cls, "sites")

    def _open(self, path: Path, key: tuple[str, str], profile: dict, what: str, cls: str, units: str) -> None:
        ds = rasterio.open(path, "w", **profile)
        ref = self.plan.ref.value.upper()
        for a, alt in enumerate(self.plan.altitudes_m):
            ds.set_band_description(a + 1, f"{what} {cls} {alt:g} m {ref}")
        ds.update_tags(product=key[1], threat_class=cls, units=units, altitude_ref=ref,
                       altitudes_m=",".join(f"{a:g}" for a in self.plan.altitudes_m))
        self.files[key] = ds
        self.paths.append(path)

    def __call__(self, t: TileResult) -> None:
        r0, r1, c0, c1 = t.bounds
        self._areas(t)
        self.gaps.add(r0, c0, t.inside_ring, t.n_sites)
        win = Window(c0, r0, c1 - c0, r1 - r0)
        outside = ~t.analysed[None]
        for ci, cls in enumerate(self.plan.classes):
            self.files[(cls, "pd")].write(np.where(outside, np.float32(np.nan), t.best_pd[ci]), window=win)
            for p in PRODUCTS:
                self.files[(cls, p)].write(np.where(outside, np.uint16(65535), t.n_sites[p][ci]), window=win)

    def _areas(self, t: TileResult) -> None:
        r0, r1, c0, c1 = t.bounds
        rows = self.area_km2[r0:r1] if self.area_km2.shape[0] > 1 else self.area_km2  # (rows, 1) or (1, 1)
        area = np.ascontiguousarray(np.broadcast_to(rows, (r1 - r0, c1 - c0)))
        for p in PRODUCTS:
            ring = t.inside_ring[p]
            self.ring_km2[p] += float(area[ring].sum())
            self.covered_km2[p] += np.einsum("caij,ij->ca", (t.n_sites[p] > 0) & ring[None, None], area)

    def ring_rows(self) -> list[dict]:
        """The network ring table (as :func:`iadsim.coverage.network.ring_table`, without max_sites)."""
        rows = []
        for p in PRODUCTS:
            if self.ring_km2[p] <= 0:
                continue
            for ci, cls in enumerate(self.plan.classes):
                for a, alt in enumerate(self.plan.altitudes_m):
                    cov = float(self.covered_km2[p][ci, a])
                    rows.append({"product": p, "threat_class": cls, "altitude_m": alt,
                                 "altitude_ref": self.plan.ref.value, "inside_rings_km2": round(self.ring_km2[p], 1),
                                 "covered_km2": round(cov, 1), "gap_km2": round(self.ring_km2[p] - cov, 1),
                                 "covered_fraction": round(cov / self.ring_km2[p], 4)})
        return rows

    def write_gaps(self, out_dir: Path) -> Path:
        """``out_dir/network/gaps.geojson``, equal to the untiled network's (exact polygons)."""
        return self.gaps.write(Path(out_dir) / "network" / "gaps.geojson")

    def close(self) -> list[Path]:
        for ds in self.files.values():
            ds.close()
        for path in self.paths:
            with rasterio.open(path, "r+") as ds:
                ds.build_overviews([2, 4, 8, 16], rasterio.enums.Resampling.nearest)
        return self.paths


Sink = Callable[[TileResult], None]


def network_tiled(world: World, tile_size: int, sink: Callable[[TilePlan], Sink] | None = None, *,
                  map_tiles: Callable[..., Iterator[TileResult]] | None = None) -> object:
    """The network's union products computed tile by tile and handed to ``sink(plan)`` (default:
    :class:`ArraySink`); returns that sink's ``close()``. ``map_tiles(world, plan, bounds_list)``
    may run the tiles elsewhere (:func:`iadsim.coverage.distributed.map_tiles_dask`); results
    arrive in any order."""
    cs = world.scenario.coverage
    n_layers = len(world.scenario.threat_classes_for_coverage() or list(world.catalog.names("threat"))) * len(
        cs.altitudes_m)
    n_radars = max((len(s.radars) for s in world.sites), default=1)
    check_tile_size(tile_size, n_layers, n_radars, grid_cells=world.dem.height_m.size)  # before any terrain pass
    plan = plan_tiles(world)
    out = (sink or ArraySink)(plan)
    bounds = list(tiles(plan.dem.shape, tile_size))
    results = map_tiles(world, plan, bounds) if map_tiles else (compute_tile(world, plan, b) for b in bounds)
    for t in results:
        out(t)
    return out.close()  # type: ignore[attr-defined]
