"""What each radar sees of each threat at each time step: line of sight, SNR and Pd.

The same physics as the coverage maps, evaluated at the threats' sampled positions
instead of on a grid, all arrays (threats × times) per radar:

* line of sight from the radar's lowest-visible-height grid (one terrain pass per radar,
  cached in the world), sampled at the cell under the threat: visible iff the threat's
  height above ground ≥ that cell's lowest visible height;
* ground range and azimuth on the ellipsoid (geodesic), slant range and elevation on the
  effective k·R earth (:func:`iadsim.geo.refraction.slant_range_elevation`);
* SNR = K·σ·F⁴/R⁴ with the radar's calibrated constant and the threat's RCS in the radar's
  band (or its scenario override), F⁴ the sea-reflection factor where the specular point is on
  sea (:meth:`iadsim.world.World.sea_factor4`, the same function as the coverage maps);
* Pd from the radar's exact detection statistics, zero where not visible.

The geometric range, azimuth and elevation measured by the radar are those of the straight
line between antenna and threat in the world's local ENU frame (what the tracker filters).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim.geo.frames import enu_to_aer, geodesic_inverse
from iadsim.geo.refraction import slant_range_elevation
from iadsim.sensors.radar_equation import linear_to_db, snr_from_constant
from iadsim.sim.trajectories import Trajectories
from iadsim.world import RadarInstance, World

@dataclass(frozen=True)
class RadarView:
    """One radar's view of every threat sample; arrays are (n_threats, n_times)."""

    radar: RadarInstance
    antenna_enu_m: np.ndarray  # (3,)
    visible: np.ndarray  # line of sight ∧ sector ∧ elevation limits ∧ instrumented range ∧ active
    pd: np.ndarray
    snr_db: np.ndarray
    range_m: np.ndarray  # straight-line range in the world ENU frame
    az_rad: np.ndarray
    el_rad: np.ndarray


def antenna_enu_m(world: World, radar: RadarInstance) -> np.ndarray:
    return np.array(world.frame.geodetic_to_enu(radar.lat_rad, radar.lon_rad, radar.antenna_alt_msl_m),
                    dtype=float).reshape(3)


def radar_view(world: World, radar: RadarInstance, traj: Trajectories) -> RadarView:
    """Pd and visibility of every threat sample for one radar (see module docstring)."""
    ant = antenna_enu_m(world, radar)
    g = point_geometry(world, radar, ant, traj.lat_rad, traj.lon_rad, traj.alt_msl_m, traj.height_agl_m,
                       traj.pos_enu_m)
    visible = traj.active & g.visible
    rcs = np.array([
        traj.rcs_override_m2[i] if np.isfinite(traj.rcs_override_m2[i]) else world.rcs_m2(c, radar.band)
        for i, c in enumerate(traj.threat_class)
    ], dtype=float).reshape(-1, 1)
    snr = snr_from_constant(radar.radar_constant_m2, np.maximum(g.slant_m, 1.0), rcs) * g.sea4
    pd = np.where(visible, world.pd_table(radar)(snr), 0.0)
    return RadarView(radar=radar, antenna_enu_m=ant, visible=visible, pd=pd,
                     snr_db=np.asarray(linear_to_db(snr), dtype=float), range_m=g.range_m, az_rad=g.az_rad,
                     el_rad=g.el_rad)


@dataclass(frozen=True)
class PointGeometry:
    """What one radar's view of a set of points needs besides the RCS (arrays of the points' shape)."""

    lowest_visible_height_m: np.ndarray
    visible: np.ndarray  # above ground, line of sight, sector, elevation limits, instrumented range
    slant_m: np.ndarray  # slant range on the effective earth
    sea4: np.ndarray | float  # F⁴ of the sea reflection (1 on land)
    range_m: np.ndarray  # straight-line range in the world ENU frame
    az_rad: np.ndarray
    el_rad: np.ndarray


def point_geometry(world: World, radar: RadarInstance, ant: np.ndarray, lat_rad: np.ndarray, lon_rad: np.ndarray,
                   alt_msl_m: np.ndarray, height_agl_m: np.ndarray, pos_enu_m: np.ndarray, *,
                   sea_where_visible: bool = False) -> PointGeometry:
    """The class-independent part of :func:`radar_view` at points (module docstring): terrain line of
    sight, ground range and azimuth on the ellipsoid, refracted slant range and elevation, sector,
    limits, the sea factor, and the straight-line range/azimuth/elevation in the ENU frame. Each
    point is computed on its own (elementwise), so a subset of points gives the same numbers.
    ``sea_where_visible``: the sea factor only where visible (1 elsewhere), for callers that use the
    SNR only there (a Pd)."""
    shape = lat_rad.shape
    lvh = world.radar_terrain(radar).sample_nearest(lat_rad, lon_rad)
    gr, az_geo = geodesic_inverse(np.full(shape, radar.lat_rad), np.full(shape, radar.lon_rad), lat_rad, lon_rad)
    gr = np.asarray(gr, dtype=float).reshape(shape)
    slant, el_refr = slant_range_elevation(gr, radar.antenna_alt_msl_m, alt_msl_m, world.k_factor)
    slant = np.asarray(slant, dtype=float).reshape(shape)
    el_refr = np.asarray(el_refr, dtype=float).reshape(shape)
    d = pos_enu_m - ant
    az, el, rng = enu_to_aer(d[..., 0], d[..., 1], d[..., 2])
    az = np.asarray(az, dtype=float).reshape(shape)
    visible = ((height_agl_m >= 0.0) & (height_agl_m >= lvh) & radar.in_sector(az)
               & (el_refr >= radar.elevation_min_rad) & (el_refr <= radar.elevation_max_rad)
               & (slant <= radar.max_range_m))
    sea4 = _sea_factor4(world, radar, gr, np.asarray(az_geo, dtype=float).reshape(shape), alt_msl_m,
                        visible if sea_where_visible else None)
    return PointGeometry(lvh, visible, slant, sea4, np.asarray(rng, dtype=float).reshape(shape), az,
                         np.asarray(el, dtype=float).reshape(shape))


def _sea_factor4(world: World, radar: RadarInstance, gr: np.ndarray, az_geo: np.ndarray,
                 alt_msl_m: np.ndarray, where: np.ndarray | None = None) -> np.ndarray | float:
    """:meth:`World.sea_factor4` where the specular point can lie on sea, exactly 1 elsewhere: the
    specular point is at most ``max(ground range, 1 m)`` from the radar, so points that close are
    skipped when that lies within the radar's sea-free radius (:meth:`World.sea_free_radius_m`)."""
    if not world.surface_is_water:
        return 1.0
    far = np.maximum(gr, 1.0) > world.sea_free_radius_m(radar)
    if where is not None:
        far &= where
    out = np.ones(gr.shape, dtype=np.float64)
    if far.any():
        alt = np.broadcast_to(alt_msl_m, gr.shape)
        out[far] = world.sea_factor4(radar, ground_range_m=gr[far], az_rad=az_geo[far], alt_msl_m=alt[far])
    return out


def radar_views(world: World, traj: Trajectories) -> list[RadarView]:
    """:func:`radar_view` for every radar of the scenario, in ``world.radars`` order."""
    return [radar_view(world, r, traj) for r in world.radars]
