"""Small smooth-earth scenarios for sweeps (a replication takes milliseconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

SMALL = """\
name: mc small
run: {run}
sites:
  - name: S
    lat_deg: 40.0
    lon_deg: 32.5
    radars: [{{equipment: 92N6E, mast_m: 20, revisit_s: 2.0}}, {{equipment: 91N6E, mast_m: 10}}]
    launchers: [{{equipment: 5P85SE2, count: 2, load: {{48N6E3: 4}}}}]
defended_assets: [{{name: City, lat_deg: 40.0, lon_deg: 32.6, value: 10}}]
threats:
  - name: F
    class: fighter_4gen
    count: {count}
    spacing_s: 10
    route:
      - {{lat_deg: 41.5, lon_deg: 32.6, alt_m: 8000, speed_mps: 250}}
      - {{lat_deg: 40.0, lon_deg: 32.6, alt_m: 8000, speed_mps: 250}}
coverage: {{max_range_km: 260, cell_m: 4000, threat_classes: [fighter_4gen], altitudes_m: [5000]}}
engagement: {{doctrine: {doctrine}, salvo_size: 2, tracking: {tracking}}}
"""


def small_scenario(folder: Path, *, count: int = 3, doctrine: str = "shoot-look-shoot", tracking: str = "perfect",
                   name: str = "small.yaml", run: str = "{seed: 11, time_step_s: 2}") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(SMALL.format(count=count, doctrine=doctrine, tracking=tracking, run=run), encoding="utf-8")
    return path


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return small_scenario(tmp_path / "scen")
