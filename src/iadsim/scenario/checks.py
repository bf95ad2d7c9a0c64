"""Warnings about a valid scenario that is probably not what its author meant.

Nothing here refuses a file (the models do that); a warning is a located one-line string
(``file:line:col: field: …``) that ``iadsim validate`` and the jobs print.

Plausible ranges per threat class come from the catalog's published spreads, widened because a
scenario may push a class past its typical figures on purpose:

* speed: ``SPEED_SLACK[0] × speed_mps.low`` … ``SPEED_SLACK[1] × speed_mps.high``;
* altitude (only when the waypoint's ``alt_ref`` is the class's own reference): from
  ``ALT_SLACK[0] × cruise_alt_m.low`` … ``ALT_SLACK[1] × cruise_alt_m.high``.

A subsonic cruise missile at 880 m/s or a fighter at 6 m is then flagged (the typical unit slips:
km/h for m/s, feet or kilometres for metres).
"""

from __future__ import annotations

from typing import Any

from iadsim.io import LocatedYaml, format_path

SPEED_SLACK = (0.5, 1.5)
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
