"""What tests across packages share: the small smooth-earth scenario (one S-400 site at 40° N 32.5° E,
a fighter raid from the north, coarse 4 km coverage) that runs end to end in about a second.

Test modules import it relatively (``from ..conftest import small_scenario_yaml``; pytest runs with
``--import-mode=importlib``)."""

from __future__ import annotations

RADARS = "[{equipment: 92N6E, mast_m: 20, revisit_s: 2.0}, {equipment: 91N6E, mast_m: 10}]"


def small_scenario_yaml(name: str = "small", *, run: str = "{seed: 11, time_step_s: 2}", lon: float = 32.5,
                        radars: str = RADARS, launchers: int = 2, load: int = 4, count: int = 3,
                        altitudes: str = "[5000]",
                        engagement: str = "{doctrine: shoot-look-shoot, salvo_size: 2}") -> str:
    """The small scenario's YAML text; each keyword replaces one part (YAML flow text where it is a
    string)."""
    return f"""\
name: {name}
run: {run}
sites:
  - name: S
    lat_deg: 40.0
    lon_deg: {lon}
    radars: {radars}
    launchers: [{{equipment: 5P85SE2, count: {launchers}, load: {{48N6E3: {load}}}}}]
defended_assets: [{{name: City, lat_deg: 40.0, lon_deg: 32.6, value: 10}}]
threats:
  - name: F
    class: fighter_4gen
    count: {count}
    spacing_s: 10
    route:
      - {{lat_deg: 41.5, lon_deg: 32.6, alt_m: 8000, speed_mps: 250}}
      - {{lat_deg: 40.0, lon_deg: 32.6, alt_m: 8000, speed_mps: 250}}
coverage: {{max_range_km: 260, cell_m: 4000, threat_classes: [fighter_4gen], altitudes_m: {altitudes}}}
engagement: {engagement}
"""
