"""The replication memo (:mod:`iadsim.sim.memo`): replications of the demo raid under perfect
perception that share one prepared setup and its memo give exactly the battles of setups without
one (every event, shot and outcome bit for bit), also with a tiny memo that is emptied constantly,
with salvos spread by the launch interval and with the ``best_pk`` firing rule (fire control one
step ahead)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml

from iadsim.catalog import load_catalog
from iadsim.scenario import parse_scenario
from iadsim.sim.battle import simulate
from iadsim.sim.battle_setup import prepare_battle
from iadsim.sim.memo import RowMemo
from iadsim.world import compile_world

DEMO = Path(__file__).resolve().parents[2] / "examples" / "turkey-2019"


@pytest.fixture(scope="module")
def demo_perfect():
    catalog = load_catalog()
    d = yaml.safe_load((DEMO / "scenario.yaml").read_text(encoding="utf-8"))
    d["engagement"] = {**(d.get("engagement") or {}), "tracking": "perfect"}
    text = yaml.safe_dump(d, allow_unicode=True, sort_keys=False)
    return prepare_battle(compile_world(parse_scenario(text, "demo.yaml", base_dir=DEMO, catalog=catalog), catalog))


def assert_same_battle(a, b):
    assert a.seed == b.seed and a.cycles == b.cycles
    for name in ("status", "end_time_s", "kill_shot", "leak_asset"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for table in ("events", "shots"):
        ta, tb = getattr(a, table), getattr(b, table)
        assert ta.keys() == tb.keys()
        for key in ta:
            np.testing.assert_array_equal(ta[key], tb[key], err_msg=f"{table}.{key}")


@pytest.mark.parametrize("update, max_rows", [({}, 50_000), ({}, 7),
                                              ({"salvo_size": 2, "fire_at": "best_pk"}, 50_000)])
def test_shared_memo_gives_the_battles_of_fresh_setups(demo_perfect, update, max_rows):
    base = dataclasses.replace(demo_perfect, settings=demo_perfect.settings.model_copy(update=update))
    shared = dataclasses.replace(base, memo=RowMemo(max_rows=max_rows))
    killed = set()
    for seed in (5, 6, 7, 5, 8):  # a repeated seed after others: the memo holds their rows
        fresh = simulate(dataclasses.replace(base), seed)
        assert_same_battle(simulate(shared, seed), fresh)
        killed.add(fresh.count("killed"))
        assert fresh.shots["threat"].size > 0
    assert len(killed) > 1, "the seeds must give different battles for the test to mean something"
    if max_rows == 7:
        assert shared.memo.misses > 0
    else:
        assert shared.memo.hits > shared.memo.misses > 0
