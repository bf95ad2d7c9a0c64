"""One small smooth-earth run (coverage, tracking, battle) shared by the export tests, with a
non-default scenario epoch so UTC columns and clocks are checked against something other than the default."""

from __future__ import annotations

import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

EPOCH = datetime.datetime(2020, 1, 2, 2, 0, tzinfo=datetime.timezone.utc)  # 03:00+01:00 in the file
SITE = (40.0, 32.5)  # lat, lon
ASSET = (40.0, 32.6)

SCENARIO = """\
name: export test
run: {seed: 11, time_step_s: 2, epoch_utc: "2020-01-02T03:00:00+01:00"}
sites:
  - name: S
    lat_deg: 40.0
    lon_deg: 32.5
    radars: [{equipment: 92N6E, mast_m: 20, revisit_s: 2.0}, {equipment: 91N6E, mast_m: 10}]
    launchers: [{equipment: 5P85SE2, count: 2, load: {48N6E3: 4}}]
defended_assets: [{name: City, lat_deg: 40.0, lon_deg: 32.6, value: 10}]
threats:
  - name: F
    class: fighter_4gen
    count: 3
    spacing_s: 10
    route:
      - {lat_deg: 41.5, lon_deg: 32.6, alt_m: 8000, speed_mps: 250}
      - {lat_deg: 40.0, lon_deg: 32.6, alt_m: 8000, speed_mps: 250}
coverage: {max_range_km: 260, cell_m: 4000, threat_classes: [fighter_4gen], altitudes_m: [1000, 5000]}
engagement: {doctrine: shoot-look-shoot, salvo_size: 2}
"""


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> SimpleNamespace:
    """``iadsim run`` of :data:`SCENARIO` into a folder (no figures)."""
    from iadsim.api import run_all

    root = tmp_path_factory.mktemp("export")
    scen = root / "s.yaml"
    scen.write_text(SCENARIO, encoding="utf-8")
    out = root / "run"
    run_all(str(scen), out, figures=False)
    return SimpleNamespace(dir=out, scenario=scen, root=root)


@pytest.fixture(scope="session")
def layers(small_run):
    from iadsim.export import read_run

    return read_run(small_run.dir)




@pytest.fixture(scope="session")
def expect() -> SimpleNamespace:
    """What the scenario says: epoch, site and asset positions (lat, lon), and its text."""
    return SimpleNamespace(epoch=EPOCH, site=SITE, asset=ASSET, scenario=SCENARIO)
