"""Replications of one sweep point share what the draws do not change, and give exactly the
battles of a fresh compile per replication: perfect perception (the prepared battle and its row
memo) and tracker perception (routes and the world's terrain passes, Pd tables, sea-free radii)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iadsim.catalog import load_catalog
from iadsim.montecarlo.replicate import PointJob, _ShareRoutes, point_setup, replication, with_seed
from iadsim.montecarlo.seeds import replication_seed
from iadsim.scenario import load_scenario
from iadsim.sim.battle import simulate
from iadsim.sim.battle_setup import prepare_battle
from iadsim.world import compile_world

from .conftest import small_scenario


def _job(path: Path, key: str) -> PointJob:
    loaded = load_scenario(path, load_catalog())
    return PointJob(key=key, index=0, values={}, loaded=loaded, run_seed=int(loaded.scenario.run.seed))


def _same(a, b) -> None:
    for name in ("status", "end_time_s", "kill_shot", "leak_asset"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for table in ("events", "shots"):
        for key in getattr(b, table):
            np.testing.assert_array_equal(getattr(a, table)[key], getattr(b, table)[key], err_msg=f"{table}.{key}")


@pytest.mark.parametrize("tracking", ["perfect", "tracker"])
def test_shared_replications_equal_fresh_compiles(tmp_path, tracking):
    path = small_scenario(tmp_path, count=4, tracking=tracking, name=f"{tracking}.yaml")
    job = _job(path, f"shared-{tracking}")
    catalog = load_catalog()
    for rep in range(4):
        seed = replication_seed(job.run_seed, job.index, rep)
        fresh = simulate(prepare_battle(compile_world(with_seed(job.loaded, seed), catalog)), seed)
        got, _ = replication(job, rep)
        _same(got, fresh)
    _, shared = point_setup(job)
    if tracking == "perfect":
        assert shared.memo is not None and shared.memo.hits > 0
    else:
        assert isinstance(shared, _ShareRoutes)


def test_tracker_replications_share_the_terrain_passes(tmp_path):
    """The terrain pass of each radar is computed once per point, not once per replication."""
    path = small_scenario(tmp_path, tracking="tracker")
    job = _job(path, "terrain-shared")
    world, _ = point_setup(job)
    a = _ShareRoutes.world_with_seed(world, 1)
    b = _ShareRoutes.world_with_seed(world, 2)
    assert a.scenario.run.seed == 1 and b.scenario.run.seed == 2
    for radar in world.radars:
        assert a.radar_terrain(radar) is b.radar_terrain(radar) is world.radar_terrain(radar)
        assert a.sea_free_radius_m(radar) == b.sea_free_radius_m(radar)
