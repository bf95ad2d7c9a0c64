"""Compile a validated scenario once into SI arrays in one local frame.

Everything the physics layers need is resolved here: catalog figures (nominal values;
sweeps replace them), radar constants calibrated from the published detection claims,
site ground heights from the DEM, antenna heights, sectors in radians, and the DEM
itself (loaded from the scenario's GeoTIFF, or a flat local grid for smooth earth).
"""

from __future__ import annotations

import hashlib

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from iadsim.catalog import Catalog, load_catalog
from iadsim.geo.dem import Dem, flat_local_dem, load_scenario_dem, window_around
from iadsim.geo.frames import LocalFrame, geodesic_forward, geodesic_inverse
from iadsim.errors import ScenarioError
from iadsim.io import format_path
from iadsim.scenario import LoadedScenario, Surface
from iadsim.sensors.detection import PdTable, required_snr_db
from iadsim.geo.refraction import effective_earth_radius_m, slant_range_elevation
from iadsim.sensors.propagation import (
    rms_wave_height_m,
    sea_reflection_factor4,
    sea_state_rms_height_m,
    specular_point_m,
)
from iadsim.sensors.radar_equation import radar_constant_from_reference, snr_from_constant, wavelength_m
from iadsim.sensors.terrain import lowest_visible_height
from iadsim.world.layers import visible_snr_layers_kernel

if TYPE_CHECKING:  # pragma: no cover
    from iadsim.scenario import Scenario

BANDS = ("VHF", "UHF", "L", "S", "C", "X", "Ku")
#: ground heights at or below this (m above MSL) count as sea when the scenario's surface is water
SEA_LEVEL_TOLERANCE_M = 0.5


def nominal(value: Any) -> float:
    """A catalog figure's nominal value (plain numbers pass through)."""
    return float(getattr(value, "nominal", value))


@dataclass(frozen=True)
class RadarInstance:
    """One radar placed at a site, with everything the radar equation needs, in SI."""

    index: int
    site: str
    site_index: int
    equipment: str
    role: str
    band: str
    lat_rad: float
    lon_rad: float
    ground_alt_m: float
    mast_m: float
    wavelength_m: float
    radar_constant_m2: float
    pfa: float
    swerling: int
    n_pulses: int
    elevation_min_rad: float
    elevation_max_rad: float
    max_range_m: float
    revisit_s: float | None
    sector_az_min_rad: float | None
    sector_width_rad: float | None
    reference_range_m: float
    reference_rcs_m2: float
    #: the published reference range's low/high (catalog spread); K scales as range⁴
    reference_range_low_m: float | None = None
    reference_range_high_m: float | None = None

    def radar_constant_spread_m2(self) -> tuple[float, float]:
        """(low, high) radar constant from the reference range's low/high: K ∝ R_ref⁴ at the same
        reference SNR and RCS (:func:`~iadsim.sensors.radar_equation.radar_constant_from_reference`)."""
        lo = self.reference_range_low_m or self.reference_range_m
        hi = self.reference_range_high_m or self.reference_range_m
        return (self.radar_constant_m2 * (lo / self.reference_range_m) ** 4,
                self.radar_constant_m2 * (hi / self.reference_range_m) ** 4)
    #: catalog ``fire_control`` channels (per battalion): targets engaged and missiles guided at once;
    #: None where the catalog gives none (search radars)
    fire_control_targets: int | None = None
    fire_control_missiles: int | None = None

    @property
    def antenna_alt_msl_m(self) -> float:
        return self.ground_alt_m + self.mast_m

    def in_sector(self, az_rad: np.ndarray) -> np.ndarray:
        """Mask of azimuths inside the radar's sector (all True for 360° coverage)."""
        if self.sector_az_min_rad is None or self.sector_width_rad is None:
            return np.ones(np.shape(az_rad), dtype=bool)
        rel = np.mod(np.asarray(az_rad) - self.sector_az_min_rad, 2.0 * math.pi)
        return rel <= self.sector_width_rad


@dataclass(frozen=True)
class MissileInstance:
    name: str
    range_min_m: float
    range_max_m: float
    alt_min_m: float
    alt_max_m: float
    speed_max_mps: float
    speed_avg_mps: float | None
    #: correction capability at intercept (catalog ``divert_basket_m``), metres; None only for
    #: instances built in code (a scenario's missiles must have it: :func:`compile_world`)
    divert_basket_m: float | None = None
    #: seconds before intercept when mid-course aim-point updates stop (catalog
    #: ``terminal_homing_s``); None only for instances built in code
    terminal_homing_s: float | None = None


@dataclass(frozen=True)
class LauncherGroup:
    """``count`` launchers of one type at a site, each loaded with ``load``."""

    site: str
    site_index: int
    equipment: str
    count: int
    load: dict[str, int]
    missiles: tuple[MissileInstance, ...]
    reload_s: float | None
    launch_interval_s: float | None


@dataclass(frozen=True)
class SiteInstance:
    index: int
    name: str
    lat_rad: float
    lon_rad: float
    ground_alt_m: float
    radars: tuple[int, ...]
    launchers: tuple[int, ...]


@dataclass(frozen=True)
class RadarTerrain:
    """One radar's terrain pass on a DEM window around it (cached per world)."""

    dem: Dem
    lowest_visible_height_m: np.ndarray  # inf where not computed (beyond the analysis radius)

    def sample_nearest(self, lat_rad: np.ndarray, lon_rad: np.ndarray) -> np.ndarray:
        """Lowest visible height above ground at the cells under WGS84 points (inf outside)."""
        x, y = self.dem.latlon_to_xy(np.asarray(lat_rad), np.asarray(lon_rad))
        rows, cols = self.dem.rowcol(x, y)
        rows = np.asarray(rows)
        cols = np.asarray(cols)
        n_r, n_c = self.dem.shape
        inside = (rows >= 0) & (rows < n_r) & (cols >= 0) & (cols < n_c)
        out = np.full(rows.shape, np.inf)
        out[inside] = self.lowest_visible_height_m[rows[inside], cols[inside]]
        return out


#: terrain passes shared by the worlds compiled in this process (a sweep compiles one world per
#: point, or per replication with sampled figures; the pass depends only on the DEM window, the
#: radar's position and mast, the refraction factor and the radius), most recent last
_TERRAIN_PASSES: dict[tuple, "RadarTerrain"] = {}
_TERRAIN_PASSES_KEPT = 16
_TERRAIN_PASSES_BYTES = 1 << 30  # a window larger than 1/16 of this is not kept (64 MiB of float64)


def _dem_digest(dem: Dem) -> str:
    """A digest of a DEM window's heights and georeferencing (equal digests: the same terrain)."""
    h = hashlib.blake2b(np.ascontiguousarray(dem.height_m).view(np.uint8), digest_size=16)
    h.update(repr((tuple(dem.transform), dem.crs.to_wkt(), dem.height_m.shape, str(dem.height_m.dtype))).encode())
    return h.hexdigest()


@dataclass
class World:
    """A scenario compiled to SI arrays; built once, shared by coverage, tracking and engagement."""

    loaded: LoadedScenario
    catalog: Catalog
    frame: LocalFrame
    k_factor: float
    dem: Dem
    dem_is_generated: bool
    surface_is_water: bool
    sites: list[SiteInstance]
    radars: list[RadarInstance]
    launchers: list[LauncherGroup]
    notes: list[str] = field(default_factory=list)
    #: RMS sea-surface height σ_h (m) from the scenario's sea state or wave height
    sea_rms_height_m: float = 0.0

    @property
    def scenario(self) -> Scenario:
        return self.loaded.scenario

    def rcs_m2(self, threat_class: str, band: str, override: float | None = None) -> float:
        """Nominal RCS of a threat class in a radar band (m²)."""
        if override is not None:
            return float(override)
        spec = self.catalog.threat(threat_class)
        table = spec.rcs_m2
        fig = table.get(band) if isinstance(table, dict) else getattr(table, band, None)
        if fig is None:
            raise KeyError(f"threat class {threat_class!r} has no RCS for band {band}")
        return nominal(fig)

    def rcs_spread_m2(self, threat_class: str, band: str) -> tuple[float, float]:
        """(low, high) RCS of a threat class in a radar band from the catalog's spread (m²)."""
        spec = self.catalog.threat(threat_class)
        table = spec.rcs_m2
        fig = table.get(band) if isinstance(table, dict) else getattr(table, band, None)
        if fig is None:
            raise KeyError(f"threat class {threat_class!r} has no RCS for band {band}")
        return float(getattr(fig, "low", nominal(fig))), float(getattr(fig, "high", nominal(fig)))

    def pd_table(self, radar: RadarInstance) -> PdTable:
        key = (radar.pfa, radar.n_pulses, radar.swerling)
        cache = self.__dict__.setdefault("_pd_tables", {})
        if key not in cache:
            cache[key] = PdTable(pfa=radar.pfa, n_pulses=radar.n_pulses, swerling=radar.swerling)
        return cache[key]

    def sea_factor4(self, radar: RadarInstance, *, ground_range_m: np.ndarray, az_rad: np.ndarray,
                    alt_msl_m: np.ndarray, cell_m: float = 0.0) -> np.ndarray | float:
        """F⁴ on SNR of the direct and sea-reflected rays for targets at ``ground_range_m`` and
        azimuth ``az_rad`` from the radar (the specular point is found on the geodesic from the
        radar along that azimuth); see :meth:`sea_factor4_xy` for the physics."""
        if not self.surface_is_water:
            return 1.0
        gr, h2, a_e = self._sea_inputs(radar, ground_range_m, alt_msl_m)
        d1 = np.asarray(specular_point_m(max(radar.antenna_alt_msl_m, 0.0), h2, gr, a_e))
        az = np.broadcast_to(np.asarray(az_rad, dtype=np.float64), gr.shape)
        sea = np.zeros(gr.shape, dtype=bool)
        test = d1 > self.sea_free_radius_m(radar)  # nearer specular points are on land
        if test.any():
            n = int(test.sum())
            lat, lon = geodesic_forward(np.full(n, radar.lat_rad), np.full(n, radar.lon_rad), az[test], d1[test])
            x, y = self.dem.latlon_to_xy(np.asarray(lat), np.asarray(lon))
            sea[test] = self._sea_at_xy(np.asarray(x), np.asarray(y))
        return self._sea_reflection4(radar, sea, gr, h2, a_e, cell_m)

    def sea_factor4_xy(self, radar: RadarInstance, *, x: np.ndarray, y: np.ndarray, ground_range_m: np.ndarray,
                       alt_msl_m: np.ndarray, cell_m: float = 0.0) -> np.ndarray | float:
        """F⁴ on SNR of the direct and sea-reflected rays for targets at ``x, y`` (the world DEM's CRS).

        The one model for coverage grids, point sensing and fire control (:meth:`sea_factor4` is
        the same with the target given by range and azimuth): the specular point on the effective
        (k·R) sphere for the antenna's and target's heights above sea level
        (:func:`~iadsim.sensors.propagation.specular_point_m`); the surface tested AT that point
        (sea where the scenario's surface is water and the DEM there is at sea level, or outside
        the DEM); the divergence factor, Ament's roughness factor for the scenario's sea state,
        and the lobe average over ``cell_m`` (:func:`~iadsim.sensors.propagation.sea_reflection_factor4`).
        1 where the specular point is on land, and everywhere when the surface is land. Here the
        specular point is taken at d1/d along the straight DEM-grid line from radar to target.
        """
        if not self.surface_is_water:
            return 1.0
        gr, h2, a_e = self._sea_inputs(radar, ground_range_m, alt_msl_m)
        d1 = np.asarray(specular_point_m(max(radar.antenna_alt_msl_m, 0.0), h2, gr, a_e))
        rx, ry = self.dem.latlon_to_xy(np.array(radar.lat_rad), np.array(radar.lon_rad))
        t = d1 / gr
        sea = self._sea_at_xy(rx + t * (np.broadcast_to(x, gr.shape) - rx),
                              ry + t * (np.broadcast_to(y, gr.shape) - ry))
        return self._sea_reflection4(radar, sea, gr, h2, a_e, cell_m)

    def _sea_inputs(self, radar: RadarInstance, ground_range_m: np.ndarray,
                    alt_msl_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        gr = np.maximum(np.asarray(ground_range_m, dtype=np.float64), 1.0)
        h2 = np.broadcast_to(np.maximum(np.asarray(alt_msl_m, dtype=np.float64), 0.0), gr.shape)
        return gr, h2, effective_earth_radius_m(self.k_factor)

    def _sea_reflection4(self, radar: RadarInstance, sea: np.ndarray, gr: np.ndarray, h2: np.ndarray, a_e: float,
                         cell_m: float) -> np.ndarray:
        out = np.ones(gr.shape, dtype=np.float64)
        if sea.any():
            out[sea] = sea_reflection_factor4(max(radar.antenna_alt_msl_m, 0.0), h2[sea], gr[sea], radar.wavelength_m,
                                              a_e, self.sea_rms_height_m, cell_m)
        return out

    def _sea_at_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether points (the world DEM's CRS) are on sea: DEM cell at sea level; outside the DEM,
        the scenario's surface (water when this is called)."""
        rows, cols = self.dem.rowcol(x, y)
        n_r, n_c = self.dem.shape
        inside = (rows >= 0) & (rows < n_r) & (cols >= 0) & (cols < n_c)
        sea = np.ones(np.shape(rows), dtype=bool)
        sea[inside] = self.dem.height_m[rows[inside], cols[inside]] <= SEA_LEVEL_TOLERANCE_M
        return sea

    def radar_visible_snr(self, radar: RadarInstance, ground_range_m: np.ndarray, az_rad: np.ndarray,
                          ground_m: np.ndarray, alt_msl_m: np.ndarray, lowest_visible_height_m: np.ndarray,
                          x_m: np.ndarray, y_m: np.ndarray, cell_m: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Where ``radar`` sees targets, and its SNR there per square metre of RCS.

        Visible: above ground and at or above the radar's lowest visible height there (terrain,
        4/3 earth), inside its sector, elevation limits and instrumented range. SNR per m² =
        K·F⁴/R⁴ (calibrated constant; F⁴ from :meth:`sea_factor4_xy` at the targets' DEM-CRS
        points ``x_m, y_m``, lobe-averaged over ``cell_m``), 0 where not visible. The one physics
        core of the coverage grids, point sensing and fire control; all arrays broadcast together.
        """
        gr, az, ground, h_msl, lvh, x, y = np.broadcast_arrays(
            *(np.asarray(v, dtype=np.float64) for v in
              (ground_range_m, az_rad, ground_m, alt_msl_m, lowest_visible_height_m, x_m, y_m)))
        slant, el = slant_range_elevation(gr, radar.antenna_alt_msl_m, h_msl, self.k_factor)
        slant = np.asarray(slant, dtype=np.float64)
        el = np.asarray(el, dtype=np.float64)
        h_agl = h_msl - ground
        visible = ((gr <= radar.max_range_m) & radar.in_sector(az) & (h_agl >= 0.0) & (h_agl >= lvh)
                   & (el >= radar.elevation_min_rad) & (el <= radar.elevation_max_rad)
                   & (slant <= radar.max_range_m))
        snr = np.zeros(gr.shape, dtype=np.float64)
        if visible.any():
            f4 = self.sea_factor4_xy(radar, x=x[visible], y=y[visible], ground_range_m=gr[visible],
                                     alt_msl_m=h_msl[visible], cell_m=cell_m)
            snr[visible] = snr_from_constant(radar.radar_constant_m2, np.maximum(slant[visible], 1.0), 1.0,
                                             1.0) * f4
        return visible, snr

    def radar_pd(self, radar: RadarInstance, ground_range_m: np.ndarray, az_rad: np.ndarray, ground_m: np.ndarray,
                 alt_msl_m: np.ndarray, lowest_visible_height_m: np.ndarray, rcs_m2: np.ndarray | float,
                 x_m: np.ndarray, y_m: np.ndarray, cell_m: float = 0.0) -> np.ndarray:
        """Pd of ``radar`` on targets of RCS ``rcs_m2`` (in its band): its detection statistics on
        the SNR of :meth:`radar_visible_snr`, 0 where the target is not visible."""
        visible, snr1 = self.radar_visible_snr(radar, ground_range_m, az_rad, ground_m, alt_msl_m,
                                               lowest_visible_height_m, x_m, y_m, cell_m)
        pd = np.zeros(visible.shape, dtype=np.float64)
        rcs = np.broadcast_to(np.asarray(rcs_m2, dtype=np.float64), visible.shape)
        pd[visible] = self.pd_table(radar)(snr1[visible] * rcs[visible])
        return pd

    def fire_control(self, radar: RadarInstance, ground_range_m: np.ndarray, az_rad: np.ndarray,
                     ground_m: np.ndarray, alt_msl_m: np.ndarray, lowest_visible_height_m: np.ndarray,
                     rcs_m2: np.ndarray | float, x_m: np.ndarray, y_m: np.ndarray,
                     cell_m: float = 0.0) -> np.ndarray:
        """Whether engagement radar ``radar`` holds targets for fire control: line of sight over
        terrain and its Pd (:meth:`radar_pd`) ≥ ``engagement.fire_control_pd``. The one predicate
        the coverage job's engagement layer and the battle (launch, in flight, at intercept) use."""
        return self.fire_control_holds(self.radar_pd(radar, ground_range_m, az_rad, ground_m, alt_msl_m,
                                                     lowest_visible_height_m, rcs_m2, x_m, y_m, cell_m))

    def fire_control_holds(self, pd: np.ndarray) -> np.ndarray:
        """The fire-control threshold applied to an engagement radar's Pd."""
        return np.asarray(pd) >= float(self.scenario.engagement.fire_control_pd)

    def fire_control_at(self, radar: RadarInstance, lat_rad: np.ndarray, lon_rad: np.ndarray,
                        alt_msl_m: np.ndarray, rcs_m2: np.ndarray | float) -> np.ndarray:
        """:meth:`fire_control` at WGS84 points (ground from the DEM, line of sight from the radar's
        terrain pass, ground range and azimuth on the ellipsoid)."""
        lat = np.atleast_1d(np.asarray(lat_rad, dtype=np.float64))
        lon = np.atleast_1d(np.asarray(lon_rad, dtype=np.float64))
        alt = np.broadcast_to(np.asarray(alt_msl_m, dtype=np.float64), lat.shape)
        out = np.zeros(lat.shape, dtype=bool)
        ok = np.isfinite(lat) & np.isfinite(lon) & np.isfinite(alt)
        if not ok.any():
            return out
        la, lo = lat[ok], lon[ok]
        ground = np.asarray(self.dem.sample_height_m(la, lo), dtype=np.float64).reshape(la.shape)
        ground = np.where(np.isfinite(ground), ground, 0.0)
        lvh = self.radar_terrain(radar).sample_nearest(la, lo)
        gr, az = geodesic_inverse(np.full(la.shape, radar.lat_rad), np.full(la.shape, radar.lon_rad), la, lo)
        x, y = self.dem.latlon_to_xy(la, lo)
        rcs = np.broadcast_to(np.asarray(rcs_m2, dtype=np.float64), lat.shape)[ok]
        out[ok] = self.fire_control(radar, np.asarray(gr, dtype=np.float64).reshape(la.shape),
                                    np.asarray(az, dtype=np.float64).reshape(la.shape), ground, alt[ok], lvh, rcs,
                                    np.asarray(x).reshape(la.shape), np.asarray(y).reshape(la.shape))
        return out

    def radar_terrain(self, radar: RadarInstance) -> RadarTerrain:
        """The radar's lowest-visible-height grid out to the analysis radius (computed once), on
        the same DEM window as its site's coverage grid."""
        cache = self.__dict__.setdefault("_radar_terrain", {})
        if radar.index not in cache:
            radius = self.coverage_radius_m()
            dem = self.site_window(radar.lat_rad, radar.lon_rad)
            shared = dem.height_m.size * 8 <= _TERRAIN_PASSES_BYTES // _TERRAIN_PASSES_KEPT
            key = (_dem_digest(dem), float(radar.lat_rad), float(radar.lon_rad), float(radar.mast_m),
                   float(self.k_factor), float(radius)) if shared else None
            if key is None or key not in _TERRAIN_PASSES:
                lvh = lowest_visible_height(dem, radar.lat_rad, radar.lon_rad, radar.mast_m,
                                            k_factor=self.k_factor, max_range_m=radius)
                lvh = np.where(np.isfinite(lvh), lvh, np.inf)
                lvh.flags.writeable = False  # shared between worlds: read only
                terrain = RadarTerrain(dem=dem, lowest_visible_height_m=lvh)
                if key is None:
                    cache[radar.index] = terrain
                    return terrain
                while len(_TERRAIN_PASSES) >= _TERRAIN_PASSES_KEPT:
                    _TERRAIN_PASSES.pop(next(iter(_TERRAIN_PASSES)))
                _TERRAIN_PASSES[key] = terrain
            cache[radar.index] = _TERRAIN_PASSES[key]
        return cache[radar.index]

    def sea_free_radius_m(self, radar: RadarInstance) -> float:
        """A distance from ``radar`` within which every point is on land for the sea-reflection test
        (:meth:`_sea_at_xy`: inside the DEM and above sea level), computed once per radar; ∞ when
        the surface is land (no sea at all), negative when sea lies at the radar.

        A lower bound: the smallest great-circle distance (on a sphere of 0.99 × the mean earth
        radius, which never exceeds the WGS84 geodesic) to the centre of a sea cell or to the DEM
        outline sampled every cell, less two cell diagonals. A point closer than that lies in a
        land cell inside the DEM, so its sea factor is exactly 1."""
        cache = self.__dict__.setdefault("_sea_free_radius", {})
        if radar.index not in cache:
            cache[radar.index] = self._sea_free_radius_now(radar) if self.surface_is_water else math.inf
        return cache[radar.index]

    def _sea_free_radius_now(self, radar: RadarInstance) -> float:
        dem = self.dem
        n_r, n_c = dem.shape
        rows, cols = np.nonzero(dem.height_m <= SEA_LEVEL_TOLERANCE_M)
        edge_r = np.concatenate([np.zeros(n_c + 1), np.full(n_c + 1, n_r), np.arange(n_r + 1), np.arange(n_r + 1)])
        edge_c = np.concatenate([np.arange(n_c + 1), np.arange(n_c + 1), np.zeros(n_r + 1), np.full(n_r + 1, n_c)])
        t = dem.transform
        xs = np.concatenate([dem.xy(rows, cols)[0], t.a * edge_c + t.b * edge_r + t.c])
        ys = np.concatenate([dem.xy(rows, cols)[1], t.d * edge_c + t.e * edge_r + t.f])
        lat, lon = dem.xy_to_latlon(xs, ys)
        lat0, lon0 = radar.lat_rad, radar.lon_rad
        hav = (np.sin(0.5 * (lat - lat0)) ** 2
               + math.cos(lat0) * np.cos(lat) * np.sin(0.5 * (lon - lon0)) ** 2)
        dist = 2.0 * 0.99 * 6_371_000.0 * np.arcsin(np.sqrt(np.clip(hav, 0.0, 1.0)))
        margin = 2.0 * math.hypot(*dem.cell_size_m()) * 1.1
        return float(dist.min()) - margin if dist.size else math.inf

    def site_window(self, lat_rad: float, lon_rad: float) -> Dem:
        """The DEM window an analysis around a point uses (the coverage radius plus 1 %)."""
        return window_around(self.dem, lat_rad, lon_rad, self.coverage_radius_m() * 1.01)

    def coverage_radius_m(self) -> float:
        """How far any product can reach: the coverage limit or the largest radar range."""
        limit = self.scenario.coverage.max_range_km
        reach = max((r.max_range_m for r in self.radars), default=0.0)
        for lg in self.launchers:
            reach = max(reach, max((m.range_max_m for m in lg.missiles), default=0.0))
        return min(reach, limit * 1e3) if limit else reach

    def site_distance_m(self, a: int, b: int) -> float:
        sa, sb = self.sites[a], self.sites[b]
        d, _ = geodesic_inverse(sa.lat_rad, sa.lon_rad, sb.lat_rad, sb.lon_rad)
        return float(d)

    def radar_visible_snr_layers(self, radar: RadarInstance, dem: Dem, ground_range_m: np.ndarray,
                                 az_rad: np.ndarray, altitudes_m: Sequence[float], agl: bool,
                                 lowest_visible_height_m: np.ndarray, cell_m: float = 0.0
                                 ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`radar_visible_snr` on every cell of ``dem`` for every altitude layer at once
        (``altitudes_m`` above ground if ``agl``, else above MSL): (visible, SNR per m²), each
        (layers, rows, cols). One fused numba pass (:mod:`iadsim.world.layers`, geometry once per
        cell), then the sea factor (:meth:`sea_factor4_xy`) on the visible cells; agrees with
        :meth:`radar_visible_snr` layer by layer to rounding."""
        ground = np.ascontiguousarray(dem.height_m, dtype=np.float64)
        shape = ground.shape
        alts = np.asarray([float(a) for a in altitudes_m], dtype=np.float64)
        visible = np.empty((alts.size, ground.size), dtype=np.bool_)
        snr = np.empty((alts.size, ground.size), dtype=np.float64)
        has_sector = radar.sector_az_min_rad is not None and radar.sector_width_rad is not None
        visible_snr_layers_kernel(
            np.ascontiguousarray(ground_range_m, dtype=np.float64).ravel(),
            np.ascontiguousarray(az_rad, dtype=np.float64).ravel(), ground.ravel(),
            np.ascontiguousarray(lowest_visible_height_m, dtype=np.float64).ravel(), alts, bool(agl),
            float(radar.antenna_alt_msl_m), effective_earth_radius_m(self.k_factor), float(radar.max_range_m),
            has_sector, float(radar.sector_az_min_rad or 0.0), float(radar.sector_width_rad or 0.0),
            float(radar.elevation_min_rad), float(radar.elevation_max_rad), float(radar.radar_constant_m2),
            visible, snr)
        visible = visible.reshape((alts.size,) + shape)
        snr = snr.reshape((alts.size,) + shape)
        if self.surface_is_water and visible.any():
            cell_x, cell_y = dem.xy(*np.indices(shape))
            gr = np.asarray(ground_range_m, dtype=np.float64)
            for a in range(alts.size):
                vis = visible[a]
                if vis.any():
                    h_msl = ground[vis] + alts[a] if agl else np.full(int(vis.sum()), alts[a])
                    snr[a][vis] *= self.sea_factor4_xy(radar, x=cell_x[vis], y=cell_y[vis], ground_range_m=gr[vis],
                                                       alt_msl_m=h_msl, cell_m=cell_m)
        return visible, snr


def _opt(fig: Any, scale: float = 1.0) -> float | None:
    return None if fig is None else nominal(fig) * scale


def _radar_instance(index: int, site_index: int, site_name: str, lat: float, lon: float, ground: float,
                    placement: Any, path: tuple[Any, ...], loaded: LoadedScenario, catalog: Catalog,
                    notes: list[str]) -> RadarInstance:
    spec = catalog.radar(placement.equipment)
    ref = spec.detection_reference
    n_pulses = int(spec.pulses_integrated)
    ref_snr = 10.0 ** (required_snr_db(float(ref.pd), float(ref.pfa), n_pulses, int(ref.swerling)) / 10.0)
    ref_range_m = nominal(ref.range_km) * 1e3
    ref_rcs = nominal(ref.rcs_m2)
    k_const = float(radar_constant_from_reference(ref_range_m, ref_rcs, ref_snr))
    if placement.mast_m is not None:
        mast = float(placement.mast_m)
    elif spec.mast_height_m is not None:
        mast = nominal(spec.mast_height_m)
    else:
        line, col = loaded.located.where(path)
        raise ScenarioError(
            f"the catalog has no public antenna height for {spec.name}; give mast_m "
            "(antenna height above ground, metres) for this radar",
            file=loaded.source, line=line, column=col, field=format_path(path + ("mast_m",)),
        )
    if placement.sector is not None:
        az0 = math.radians(placement.sector.az_min_deg) % (2 * math.pi)
        width = math.radians((placement.sector.az_max_deg - placement.sector.az_min_deg) % 360.0)
        sector: tuple[float | None, float | None] = (az0, width)
    else:
        sector = (None, None)
    el_min = _opt(spec.elevation_min_deg, math.pi / 180.0)
    el_max = _opt(spec.elevation_max_deg, math.pi / 180.0)
    if el_min is None or el_max is None:
        notes.append(f"{spec.name}: no public elevation limits; coverage is bounded by line of sight only")
    return RadarInstance(
        index=index, site=site_name, site_index=site_index, equipment=spec.name, role=spec.role,
        band=spec.band, lat_rad=lat, lon_rad=lon, ground_alt_m=ground, mast_m=mast,
        wavelength_m=float(wavelength_m(nominal(spec.frequency_ghz) * 1e9)),
        radar_constant_m2=k_const, pfa=float(spec.pfa), swerling=int(spec.swerling), n_pulses=n_pulses,
        elevation_min_rad=-math.pi / 2 if el_min is None else el_min,
        elevation_max_rad=math.pi / 2 if el_max is None else el_max,
        max_range_m=nominal(spec.instrumented_range_km) * 1e3,
        revisit_s=float(placement.revisit_s) if placement.revisit_s is not None else _opt(spec.revisit_s),
        sector_az_min_rad=sector[0], sector_width_rad=sector[1],
        reference_range_m=ref_range_m, reference_rcs_m2=ref_rcs,
        reference_range_low_m=float(getattr(ref.range_km, "low", nominal(ref.range_km))) * 1e3,
        reference_range_high_m=float(getattr(ref.range_km, "high", nominal(ref.range_km))) * 1e3,
        fire_control_targets=None if spec.fire_control is None else int(round(nominal(spec.fire_control.targets))),
        fire_control_missiles=None if spec.fire_control is None else int(round(nominal(spec.fire_control.missiles))),
    )


def _missile(catalog: Catalog, name: str) -> MissileInstance:
    m = catalog.missile(name)
    return MissileInstance(
        name=m.name, range_min_m=(_opt(m.range_min_km, 1e3) or 0.0), range_max_m=nominal(m.range_max_km) * 1e3,
        alt_min_m=nominal(m.alt_min_m), alt_max_m=nominal(m.alt_max_km) * 1e3,
        speed_max_mps=nominal(m.speed_max_mps), speed_avg_mps=_opt(m.speed_avg_mps),
        divert_basket_m=_opt(m.divert_basket_m), terminal_homing_s=_opt(m.terminal_homing_s),
    )


def _require_terminal_homing(catalog: Catalog, missile: str, loaded: LoadedScenario,
                             path: tuple[Any, ...]) -> None:
    """A missile a scenario fires must say when its mid-course aim-point updates stop (no default)."""
    if catalog.missile(missile).terminal_homing_s is not None:
        return
    line, col = loaded.located.where(path)
    raise ScenarioError(
        f"the catalog has no terminal_homing_s for missile {missile} (the seconds before intercept after "
        "which the aim point is no longer updated from the guiding site's track); add it to the catalog "
        "entry, as a sourced figure or a marked assumption with a spread",
        file=loaded.source, line=line, column=col, field=format_path(path),
    )


def _require_divert_basket(catalog: Catalog, missile: str, loaded: LoadedScenario, path: tuple[Any, ...]) -> None:
    """A missile a scenario fires must say how far from its aim point it can still kill (no default)."""
    if catalog.missile(missile).divert_basket_m is not None:
        return
    line, col = loaded.located.where(path)
    raise ScenarioError(
        f"the catalog has no divert_basket_m for missile {missile} (the largest miss between the predicted "
        "aim point and the true target that its guidance can take out); add it to the catalog entry, as a "
        "sourced figure or a marked assumption with a spread",
        file=loaded.source, line=line, column=col, field=format_path(path),
    )


def _sea_rms_height_m(sc: Scenario, notes: list[str]) -> float:
    """σ_h of the sea from ``wave_height_m`` (H1/3) when given, else from ``sea_state``; noted when
    the surface is water."""
    env = sc.environment
    if env.wave_height_m is not None:
        sigma, what = float(rms_wave_height_m(env.wave_height_m)), f"significant wave height {env.wave_height_m:g} m"
    else:
        sigma, what = sea_state_rms_height_m(env.sea_state), f"sea state {env.sea_state} (WMO code 3700)"
    if env.surface is Surface.water:
        notes.append(f"sea reflection at the specular point on the {sc.environment.k_factor:.4g}-earth: {what}, "
                     f"RMS wave height {sigma:.3g} m (Ament roughness), smooth-sea ρ = −1 (horizontal polarisation)")
    return sigma


def compile_world(loaded: LoadedScenario, catalog: Catalog | None = None) -> World:
    """Resolve catalog figures, terrain and geometry for ``loaded`` (see module docstring)."""
    catalog = catalog or load_catalog()
    sc = loaded.scenario
    k = float(sc.environment.k_factor)
    lats = np.radians([s.lat_deg for s in sc.sites])
    lons = np.radians([s.lon_deg for s in sc.sites])
    notes: list[str] = []

    dem_path = loaded.dem_path
    surface_height = 0.0
    if dem_path is not None:
        dem = load_scenario_dem(loaded, surface_height_m=surface_height)
        if dem.n_filled_cells or dem.n_surface_cells:
            notes.append(
                f"DEM {dem_path.name}: {dem.n_filled_cells} nodata cells filled by interpolation, "
                f"{dem.n_surface_cells} set to the {sc.environment.surface.value} surface"
            )
        generated = False
    else:
        dem = None  # built below, once the coverage radius is known
        generated = True

    sites: list[SiteInstance] = []
    radars: list[RadarInstance] = []
    launchers: list[LauncherGroup] = []
    for si, (s, la, lo) in enumerate(zip(sc.sites, lats, lons)):
        if s.ground_alt_m is not None:
            ground = float(s.ground_alt_m)
        elif dem is not None:
            ground = float(np.asarray(dem.sample_height_m(np.array([la]), np.array([lo])))[0])
            if not math.isfinite(ground):
                ground = surface_height
        else:
            ground = 0.0
        r_idx = []
        for rj, rp in enumerate(s.radars):
            radars.append(_radar_instance(len(radars), si, s.name, float(la), float(lo), ground, rp,
                                          ("sites", si, "radars", rj), loaded, catalog, notes))
            r_idx.append(len(radars) - 1)
        l_idx = []
        for lj, lp in enumerate(s.launchers):
            spec = catalog.launcher(lp.equipment)
            load = dict(lp.load) if lp.load else spec.default_load()
            for m in load:
                lpath = ("sites", si, "launchers", lj) + (("load", m) if lp.load else ("equipment",))
                _require_divert_basket(catalog, m, loaded, lpath)
                _require_terminal_homing(catalog, m, loaded, lpath)
                if catalog.missile(m).range_min_km is None:
                    notes.append(f"{m}: no public minimum range; not applied")
            launchers.append(LauncherGroup(
                site=s.name, site_index=si, equipment=spec.name, count=lp.count, load=load,
                missiles=tuple(_missile(catalog, m) for m in load),
                reload_s=_opt(spec.reload_s), launch_interval_s=_opt(spec.launch_interval_s),
            ))
            l_idx.append(len(launchers) - 1)
        sites.append(SiteInstance(si, s.name, float(la), float(lo), ground, tuple(r_idx), tuple(l_idx)))

    lat0, lon0 = float(np.mean(lats)), float(np.mean(lons))
    frame = LocalFrame(lat0, lon0, float(np.mean([s.ground_alt_m for s in sites])))
    world = World(
        loaded=loaded, catalog=catalog, frame=frame, k_factor=k, dem=dem,  # type: ignore[arg-type]
        dem_is_generated=generated, surface_is_water=sc.environment.surface is Surface.water,
        sites=sites, radars=radars, launchers=launchers, notes=notes,
        sea_rms_height_m=_sea_rms_height_m(sc, notes),
    )
    if dem is None:
        # Smooth earth: a flat grid covering every site's reach plus the spread of the sites.
        spread = max((world.site_distance_m(0, i) for i in range(len(sites))), default=0.0)
        half = world.coverage_radius_m() * 1.02 + spread
        world.dem = flat_local_dem(lat0, lon0, half_width_m=max(half, 10 * sc.coverage.cell_m),
                                   spacing_m=float(sc.coverage.cell_m))
        notes.append(
            f"no DEM given: smooth earth (k = {k:.4g}) on a generated {world.dem.shape[0]}×"
            f"{world.dem.shape[1]} grid of {sc.coverage.cell_m:g} m cells"
        )
    return world
