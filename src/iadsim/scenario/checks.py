"""Warnings about a valid scenario that is probably not what its author meant.

Nothing here refuses a file (the models do that); a warning is a located one-line string
(``file:line:col: field: …``) that ``iadsim validate`` and the jobs print.

Plausible ranges per threat class come from the catalog's published spreads, widened because a
scenario may push a class past its typical figures on purpose:

* speed: ``SPEED_SLACK[0] × speed_mps.low`` … ``SPEED_SLACK[1] × speed_mps.high``;
* altitude (only when the waypoint's ``alt_ref`` is the class's own reference): from
  ``ALT_SLACK[0] × cruise_alt_m.low`` … ``ALT_SLACK[1] × cruise_alt_m.high``.

A subsonic cruise missile at 880 m/s or a fighter at 6 m is then flagged (the typical unit slips:
km/h for m/s, feet or kilometres for metres). A route that ends farther than
``FAR_FROM_ASSETS_LEAK_RADII`` leak radii (and ``FAR_FROM_ASSETS_MIN_M``) from every defended asset
is flagged too: that threat reaches nothing and would only be reported at the end of its route.
"""

from __future__ import annotations

import math
from typing import Any

from iadsim.io import LocatedYaml, format_path

SPEED_SLACK = (0.5, 1.5)
#: A route "ends nowhere near any asset" beyond this many leak radii, and at least this far (m).
FAR_FROM_ASSETS_LEAK_RADII = 4.0
FAR_FROM_ASSETS_MIN_M = 20_000.0
ALT_SLACK = (0.25, 1.5)


def plausible_speed_mps(spec: Any) -> tuple[float, float]:
    """Speeds (m/s) not flagged for a threat class."""
    return SPEED_SLACK[0] * float(spec.speed_mps.low), SPEED_SLACK[1] * float(spec.speed_mps.high)


def plausible_alt_m(spec: Any) -> tuple[float, float]:
    """Altitudes (m, above the class's ``alt_ref``) not flagged for a threat class."""
    return ALT_SLACK[0] * float(spec.cruise_alt_m.low), ALT_SLACK[1] * float(spec.cruise_alt_m.high)


def _at(located: LocatedYaml, path: tuple[Any, ...], text: str) -> str:
    line, col = located.where(path)
    where = located.source + (f":{line}:{col}" if line is not None else "")
    return f"{where}: {format_path(path)}: {text}"


def scenario_warnings(scenario: Any, located: LocatedYaml, catalog: Any) -> list[str]:
    """Located warnings: implausible speeds and altitudes for a class, group members that start
    after the run ends. At most one speed and one altitude warning per threat."""
    out: list[str] = []
    end = scenario.run.duration_s
    for i, t in enumerate(scenario.threats):
        try:
            spec = catalog.threat(t.threat_class)
        except Exception:  # noqa: BLE001 (an unknown class was refused by validation already)
            continue
        out += _class_warnings(t, spec, ("threats", i), located)
        out += _end_warnings(scenario, t, ("threats", i), located)
        if end is not None and t.count > 1:
            last = t.start_s + (t.count - 1) * t.spacing_s
            if last >= end:
                late = sum(1 for k in range(t.count) if t.start_s + k * t.spacing_s >= end)
                out.append(_at(located, ("threats", i, "spacing_s"),
                               f"{late} of the {t.count} threats start at or after the end of the run "
                               f"(run.duration_s = {end:g} s) and never fly"))
    return out


def _class_warnings(t: Any, spec: Any, path: tuple[Any, ...], located: LocatedYaml) -> list[str]:
    out: list[str] = []
    v_lo, v_hi = plausible_speed_mps(spec)
    a_lo, a_hi = plausible_alt_m(spec)
    for j, w in enumerate(t.route):
        if not (v_lo <= w.speed_mps <= v_hi):
            out.append(_at(located, path + ("route", j, "speed_mps"),
                           f"{w.speed_mps:g} m/s is implausible for a {spec.name} (catalog "
                           f"{spec.speed_mps.low:g}–{spec.speed_mps.high:g} m/s; flagged outside "
                           f"{v_lo:g}–{v_hi:g} m/s); check the unit (m/s, not km/h)"))
            break
    for j, w in enumerate(t.route):
        if w.alt_ref.value == spec.alt_ref and not (a_lo <= w.alt_m <= a_hi):
            out.append(_at(located, path + ("route", j, "alt_m"),
                           f"{w.alt_m:g} m {w.alt_ref.value.upper()} is implausible for a {spec.name} "
                           f"(catalog {spec.cruise_alt_m.low:g}–{spec.cruise_alt_m.high:g} m; flagged outside "
                           f"{a_lo:g}–{a_hi:g} m); check the unit (metres) and alt_ref"))
            break
    return out


def _ground_distance_m(lat1_deg: float, lon1_deg: float, lat2_deg: float, lon2_deg: float) -> float:
    """Great-circle distance on the mean sphere (IUGG radius 6,371,008.8 m), haversine formula."""
    la1, la2 = math.radians(lat1_deg), math.radians(lat2_deg)
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(math.radians(lon2_deg - lon1_deg) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


def _end_warnings(scenario: Any, t: Any, path: tuple[Any, ...], located: LocatedYaml) -> list[str]:
    """A route that ends far from every defended asset: the threat reaches the end of its route
    without coming near anything defended (the battle reports it at the end of its route)."""
    assets = scenario.defended_assets
    if not assets:
        return []
    end = t.route[-1]
    nearest_m = min(_ground_distance_m(end.lat_deg, end.lon_deg, a.lat_deg, a.lon_deg) for a in assets)
    radius_m = scenario.engagement.leak_radius_km * 1e3
    far_m = max(FAR_FROM_ASSETS_LEAK_RADII * radius_m, FAR_FROM_ASSETS_MIN_M)
    if nearest_m <= far_m:
        return []
    return [_at(located, path + ("route", len(t.route) - 1),
                f"the route ends {nearest_m / 1e3:.0f} km from the nearest defended asset (the leak radius is "
                f"{radius_m / 1e3:g} km): the threat reaches no asset and is reported at the end of its "
                "route; end the route at its target")]
