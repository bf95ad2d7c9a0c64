"""Sweeps: the dataset does not depend on the executor or the number of workers; folders of another
sweep are refused; resume after kill -9 gives exactly the uninterrupted dataset."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from iadsim.api.sweep import sweep
from iadsim.errors import OutputError
from iadsim.montecarlo import dataset
from iadsim.montecarlo.seeds import replication_seed

from .conftest import small_scenario

VARY = ["engagement.salvo_size=1,2", "raid.scale=1:2:1"]


def test_replication_seed_is_keyed_by_point_and_rep():
    a = replication_seed(11, 0, 0)
    assert a == replication_seed(11, 0, 0)
    assert len({a, replication_seed(11, 0, 1), replication_seed(11, 1, 0), replication_seed(12, 0, 0)}) == 4


@pytest.mark.slow
def test_same_dataset_with_one_and_two_local_workers(small, tmp_path):
    one = sweep(small, vary=VARY, replications=6, workers=1, batch_size=2, out=tmp_path / "one")
    two = sweep(small, vary=VARY, replications=6, workers=2, batch_size=3, out=tmp_path / "two")
    assert len(one.data) == 4 * 6
    assert set(one.data["vary:raid.scale"]) == {1.0, 2.0}
    assert (one.data.loc[one.data["vary:raid.scale"] == 2.0, "threats"] == 6).all()
    # batch size is part of the definition, the rows are not
    pd.testing.assert_frame_equal(one.data, two.data)
    assert one.data["seed"].nunique() == len(one.data)
    assert one.data["killed"].nunique() > 1 or one.data["leaked"].nunique() > 1  # the draws differ


@pytest.mark.slow
def test_same_dataset_through_a_local_dask_cluster(small, tmp_path):
    local = sweep(small, vary=["engagement.salvo_size=1,2"], replications=4, workers=1, batch_size=2,
                  out=tmp_path / "local")
    dask = sweep(small, vary=["engagement.salvo_size=1,2"], replications=4, dask_local=2, batch_size=2,
                 out=tmp_path / "dask")
    pd.testing.assert_frame_equal(local.data, dask.data)


@pytest.mark.slow
def test_tracker_mode_and_sampled_figures(tmp_path):
    path = small_scenario(tmp_path, tracking="tracker")
    res = sweep(path, replications=3, uncertain=["48N6E3.pk.fighter_4gen", "fighter_4gen.rcs_m2.S"], workers=1,
                out=tmp_path / "out")
    pk = res.data["sampled:48N6E3.pk.fighter_4gen"]
    assert ((pk >= 0.3) & (pk <= 0.9)).all() and pk.nunique() == 3
    again = sweep(path, replications=3, uncertain=["48N6E3.pk.fighter_4gen", "fighter_4gen.rcs_m2.S"], workers=1)
    pd.testing.assert_frame_equal(res.data, again.data)


def test_other_sweep_folder_refused_and_nothing_overwritten(small, tmp_path):
    out = tmp_path / "out"
    sweep(small, vary=["engagement.salvo_size=1,2"], replications=2, workers=1, out=out)
    before = {p.name: p.stat().st_mtime_ns for p in (out / "results").iterdir()}
    with pytest.raises(OutputError, match="another sweep"):
        sweep(small, vary=["engagement.salvo_size=1"], replications=2, workers=1, out=out)
    with pytest.raises(OutputError, match="--resume"):
        sweep(small, vary=["engagement.salvo_size=1,2"], replications=2, workers=1, out=out)
    done = sweep(small, vary=["engagement.salvo_size=1,2"], replications=2, workers=1, out=out, resume=True)
    assert done.batches_run == 0 and len(done.data) == 4
    assert {p.name: p.stat().st_mtime_ns for p in (out / "results").iterdir()} == before
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "x.txt").write_text("x")
    with pytest.raises(OutputError, match="not empty"):
        sweep(small, replications=1, workers=1, out=tmp_path / "junk")


@pytest.mark.slow
def test_kill_9_and_resume_give_the_uninterrupted_dataset(tmp_path):
    path = small_scenario(tmp_path / "scen")
    args = [str(path), "-n", "24", "--vary", "engagement.salvo_size=1,2", "--workers", "1", "--batch-size", "2",
            "--no-report"]
    full = tmp_path / "full"
    cli = [sys.executable, "-m", "iadsim"]
    env = {**os.environ}
    subprocess.run([*cli, "sweep", *args, "-o", str(full)], check=True, env=env, capture_output=True)
    cut = tmp_path / "cut"
    proc = subprocess.Popen([*cli, "sweep", *args, "-o", str(cut)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while len(dataset.done_batches(cut)) < 3 if (cut / "results").is_dir() else True:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    n_before = len(dataset.done_batches(cut))
    assert 3 <= n_before < 24
    subprocess.run([*cli, "sweep", *args, "-o", str(cut), "--resume"], check=True, env=env, capture_output=True)
    pd.testing.assert_frame_equal(dataset.read_results(full), dataset.read_results(cut))
    assert not [p for p in (cut / "results").iterdir() if p.name.startswith(".tmp-")]


def test_points_apply_scenario_edits_then_raid_scale(small):
    from iadsim.api.sweep import plan_sweep

    plan = plan_sweep(small, vary=["threats[0].count=2,5", "raid.scale=2"], replications=1)
    assert [j.loaded.scenario.threats[0].count for j in plan.jobs] == [4, 10]
    assert [j.values for j in plan.jobs] == [{"threats[0].count": 2, "raid.scale": 2.0},
                                             {"threats[0].count": 5, "raid.scale": 2.0}]
