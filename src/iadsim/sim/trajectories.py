"""Threat routes sampled in time: arrays (threats × times) of position, velocity and height.

Each member of a threat group flies the route's legs along WGS84 geodesics (Karney's
algorithm via pyproj) at the ground speed given at the leg's start waypoint. Altitude
is interpolated linearly in distance along each leg in the reference of the leg's end
waypoint: a leg ending at an ``agl`` waypoint is flown terrain-following at that height
above the DEM (sampled at every step), a leg ending at an ``msl`` waypoint climbs or
descends linearly in altitude above mean sea level. Point-mass kinematics, no turn
dynamics: analysis fidelity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from iadsim.geo.frames import geodesic_forward, geodesic_inverse
from iadsim.world import World


@dataclass(frozen=True)
class Trajectories:
    """Sampled threat states. Arrays are (n_threats, n_times) unless noted."""

    t_s: np.ndarray  # (K,)
    name: list[str]  # (N,) "group#member"
    group: np.ndarray  # (N,) index into scenario.threats
    threat_class: list[str]  # (N,)
    rcs_override_m2: np.ndarray  # (N,) NaN where the class's RCS applies
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    alt_msl_m: np.ndarray
    height_agl_m: np.ndarray
    pos_enu_m: np.ndarray  # (N, K, 3) in the world's local frame
    vel_enu_mps: np.ndarray  # (N, K, 3)
    active: np.ndarray  # (N, K) between start and arrival at the last waypoint
    start_s: np.ndarray  # (N,)
    end_s: np.ndarray  # (N,)

    @property
    def n_threats(self) -> int:
        return len(self.name)

    def below_ground(self, tolerance_m: float = 1.0) -> np.ndarray:
        """(N, K) mask of active samples whose altitude is under the terrain."""
        return self.active & (self.height_agl_m < -tolerance_m)


@dataclass(frozen=True)
class _Route:
    lat_rad: np.ndarray  # (W,)
    lon_rad: np.ndarray
    az_rad: np.ndarray  # (W-1,) initial azimuth of each leg
    leg_m: np.ndarray  # (W-1,)
    t_leg_s: np.ndarray  # (W,) cumulative time at each waypoint from the start
    alt_m: np.ndarray  # (W,)
    agl: np.ndarray  # (W,) bool


def _route(threat) -> _Route:
    lat = np.radians([w.lat_deg for w in threat.route])
    lon = np.radians([w.lon_deg for w in threat.route])
    dist, az = geodesic_inverse(lat[:-1], lon[:-1], lat[1:], lon[1:])
    dist = np.atleast_1d(np.asarray(dist, dtype=float))
    az = np.atleast_1d(np.asarray(az, dtype=float))
    speed = np.array([w.speed_mps for w in threat.route[:-1]], dtype=float)
    t = np.concatenate([[0.0], np.cumsum(dist / speed)])
    return _Route(lat, lon, az, dist, t, np.array([w.alt_m for w in threat.route], dtype=float),
                  np.array([w.alt_ref.value == "agl" for w in threat.route]))


def route_duration_s(world: World) -> float:
    """Time until the last threat reaches its last waypoint."""
    end = 0.0
    for th in world.scenario.threats:
        r = _route(th)
        end = max(end, th.start_s + (th.count - 1) * th.spacing_s + float(r.t_leg_s[-1]))
    return end


def sample_trajectories(world: World, t_s: np.ndarray) -> Trajectories:
    """Positions of every threat-group member at the times ``t_s`` (see module docstring)."""
    t_s = np.asarray(t_s, dtype=float)
    k = t_s.size
    names, groups, classes, rcs, starts, ends = [], [], [], [], [], []
    lat_rows, lon_rows, alt_rows, agl_flags = [], [], [], []
    surface = 0.0
    for gi, th in enumerate(world.scenario.threats):
        r = _route(th)
        for m in range(th.count):
            start = th.start_s + m * th.spacing_s
            tau = np.clip(t_s - start, 0.0, r.t_leg_s[-1])
            leg = np.clip(np.searchsorted(r.t_leg_s, tau, side="right") - 1, 0, len(r.leg_m) - 1)
            frac = np.clip((tau - r.t_leg_s[leg]) / np.maximum(np.diff(r.t_leg_s)[leg], 1e-9), 0.0, 1.0)
            lat, lon = geodesic_forward(r.lat_rad[leg], r.lon_rad[leg], r.az_rad[leg], frac * r.leg_m[leg])
            lat_rows.append(np.asarray(lat, dtype=float).reshape(k))
            lon_rows.append(np.asarray(lon, dtype=float).reshape(k))
            alt_rows.append((leg, frac, r))
            names.append(f"{th.name}#{m + 1}" if th.count > 1 else th.name)
            groups.append(gi)
            classes.append(th.threat_class)
            rcs.append(np.nan if th.rcs_m2 is None else th.rcs_m2)
            starts.append(start)
            ends.append(start + float(r.t_leg_s[-1]))
            agl_flags.append(r.agl)
    n = len(names)
    lat = np.array(lat_rows).reshape(n, k)
    lon = np.array(lon_rows).reshape(n, k)
    ground = world.dem.sample_height_m(lat.ravel(), lon.ravel()).reshape(n, k) if n else np.zeros((0, k))
    ground = np.where(np.isfinite(ground), ground, surface)
    alt_msl = np.zeros((n, k))
    for i, (leg, frac, r) in enumerate(alt_rows):
        # Heights of each leg's two ends in the end waypoint's reference.
        end_agl = r.agl[leg + 1]
        start_alt = r.alt_m[leg]
        start_is_agl = r.agl[leg]
        g_start = world.dem.sample_height_m(r.lat_rad[leg], r.lon_rad[leg])
        g_start = np.where(np.isfinite(g_start), g_start, surface)
        # convert the start altitude into the end waypoint's reference (at the start point)
        start_msl = np.where(start_is_agl, start_alt + g_start, start_alt)
        start_in_end_ref = np.where(end_agl, start_msl - g_start, start_msl)
        h = start_in_end_ref + frac * (r.alt_m[leg + 1] - start_in_end_ref)
        alt_msl[i] = np.where(end_agl, h + ground[i], h)
    height = alt_msl - ground
    pos = np.stack(world.frame.geodetic_to_enu(lat, lon, alt_msl), axis=-1) if n else np.zeros((0, k, 3))
    starts_a, ends_a = np.array(starts, dtype=float), np.array(ends, dtype=float)
    active = (t_s[None, :] >= starts_a[:, None]) & (t_s[None, :] <= ends_a[:, None])
    vel = np.zeros_like(pos)
    if k > 1 and n:
        vel = np.gradient(pos, t_s, axis=1)
        vel[~active] = 0.0
    return Trajectories(
        t_s=t_s, name=names, group=np.array(groups, dtype=np.int64), threat_class=classes,
        rcs_override_m2=np.array(rcs, dtype=float), lat_rad=lat, lon_rad=lon, alt_msl_m=alt_msl,
        height_agl_m=height, pos_enu_m=pos, vel_enu_mps=vel, active=active, start_s=starts_a, end_s=ends_a,
    )


def time_grid(world: World, duration_s: float | None = None) -> np.ndarray:
    """The simulation's time steps: 0 … duration (the scenario's, or until the last arrival)."""
    run = world.scenario.run
    end = duration_s if duration_s is not None else (run.duration_s or route_duration_s(world))
    n = int(math.floor(end / run.time_step_s + 1e-9)) + 1
    return np.arange(n) * run.time_step_s
