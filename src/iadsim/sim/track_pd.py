"""A radar's expected Pd on a tracker's predicted track positions, per class hypothesis.

The Pd-aware track score (:mod:`iadsim.tracking.score`) needs, for the radar of each scan and
every track, the Pd that radar would have on the track *if* it were each of the classes the
scenario expects. :class:`RadarPd` gives it with the same physics as coverage and plot
simulation (:func:`iadsim.sim.sensing.radar_view`: radar equation with the calibrated constant,
the class's RCS in the radar's band, refraction, sea factor, terrain line of sight, sector,
elevation limits, instrumented range), evaluated at the predicted track position instead of
the truth (the geometry once per position, :func:`~iadsim.sim.sensing.point_geometry`, then the
SNR and Pd per class). Terrain is tested a second time with the track lowered by two standard deviations
of its vertical uncertainty: where that lowered point is masked the Pd is taken as 0, so a
radar blind to a low flier whose height the tracker does not know well does not count against
it.

**Class hypotheses** (:func:`class_hypotheses`): the distinct (class, RCS override) pairs of the
scenario's threats — the threat library the analyst told the defence to expect, not the class
of any track — or, in a scenario without threats, ``coverage.threat_classes``.
"""

from __future__ import annotations

import numpy as np

from iadsim.sensors.radar_equation import snr_from_constant
from iadsim.sim.sensing import point_geometry
from iadsim.world import RadarInstance, World

__all__ = ["RadarPd", "class_hypotheses"]


def class_hypotheses(world: World) -> list[tuple[str, float]]:
    """(class, RCS override m² or NaN) the tracker weighs a track's Pd over (module docstring)."""
    keys = list(dict.fromkeys((th.threat_class, th.rcs_m2) for th in world.scenario.threats))
    if not keys:
        keys = [(c, None) for c in (world.scenario.coverage.threat_classes or [])]
    return [(c, np.nan if ov is None else float(ov)) for c, ov in keys]


class RadarPd:
    """Pd of one radar on track positions for each class hypothesis (module docstring)."""

    def __init__(self, world: World, radar: RadarInstance, antenna_enu_m: np.ndarray,
                 hypotheses: list[tuple[str, float]]):
        self.world, self.radar, self.ant = world, radar, np.asarray(antenna_enu_m, float)
        self.classes = [h[0] for h in hypotheses]
        self.override = np.array([h[1] for h in hypotheses], float)
        self.rcs_m2 = np.array([ov if np.isfinite(ov) else world.rcs_m2(c, radar.band)
                                for c, ov in zip(self.classes, self.override)], float)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def in_volume(self, pos_enu_m: np.ndarray) -> np.ndarray:
        """Inside instrumented range, sector and elevation limits (straight line, no terrain)."""
        r = self.radar
        d = pos_enu_m - self.ant
        rh = np.hypot(d[:, 0], d[:, 1])
        el = np.arctan2(d[:, 2], rh)
        return ((np.hypot(rh, d[:, 2]) <= r.max_range_m) & r.in_sector(np.arctan2(d[:, 0], d[:, 1]))
                & (el >= r.elevation_min_rad) & (el <= r.elevation_max_rad))

    def pd(self, pos_enu_m: np.ndarray, var_up_m2: np.ndarray) -> np.ndarray:
        """(N, C) Pd per track and class hypothesis; 0 outside the radar's volume."""
        n, c = len(pos_enu_m), self.n_classes
        out = np.zeros((n, c))
        if not n or not c:
            return out
        i = np.flatnonzero(self.in_volume(pos_enu_m))
        if not len(i):
            return out
        w = self.world
        p = pos_enu_m[i]
        lat, lon, h = (np.asarray(v, float).reshape(-1) for v in w.frame.enu_to_geodetic(p[:, 0], p[:, 1], p[:, 2]))
        ground = np.asarray(w.dem.sample_height_m(lat, lon), float).reshape(-1)
        ground = np.where(np.isfinite(ground), ground, 0.0)
        g = point_geometry(w, self.radar, self.ant, lat, lon, h, h - ground, p, sea_where_visible=True)
        snr = snr_from_constant(self.radar.radar_constant_m2, np.maximum(g.slant_m, 1.0), self.rcs_m2[:, None]) * g.sea4
        pd = np.where(g.visible, w.pd_table(self.radar)(snr), 0.0)  # (C, n_in)
        low = h - ground - 2.0 * np.sqrt(np.maximum(var_up_m2[i], 0.0))
        seen_low = low >= g.lowest_visible_height_m
        out[i] = (pd * seen_low[None, :]).T
        return out
