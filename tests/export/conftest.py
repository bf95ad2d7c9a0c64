"""One small smooth-earth run (coverage, tracking, battle) shared by the export tests, with a
non-default scenario epoch so UTC columns and clocks are checked against something other than the default."""

from __future__ import annotations

import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from ..conftest import small_scenario_yaml

EPOCH = datetime.datetime(2020, 1, 2, 2, 0, tzinfo=datetime.timezone.utc)  # 03:00+01:00 in the file
SITE = (40.0, 32.5)  # lat, lon
ASSET = (40.0, 32.6)

SCENARIO = small_scenario_yaml("export test", run='{seed: 11, time_step_s: 2, epoch_utc: "2020-01-02T03:00:00+01:00"}',
                               altitudes="[1000, 5000]")


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
