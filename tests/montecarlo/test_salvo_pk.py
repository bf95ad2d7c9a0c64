"""Kill draws over 10,000 replications: the share of one-salvo engagements that kill lies within the
99% interval of the salvo kill probability 1 − Π(1 − Pk_i) (independent shots; for equal Pk,
1 − (1 − Pk)^n). Interval: Wilson score interval, z = 2.576."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.montecarlo.replicate import PointJob, replication
from iadsim.montecarlo.stats import wilson
from iadsim.scenario import load_scenario
from iadsim.catalog import load_catalog

from .conftest import small_scenario


N = 10_000  # ~12 ms a replication on an idle core


@pytest.mark.slow
def test_salvo_kill_probability_over_many_replications(tmp_path):
    path = small_scenario(tmp_path, count=1, doctrine="salvo", run="{seed: 5, time_step_s: 4, duration_s: 160}")
    loaded = load_scenario(path, load_catalog())
    job = PointJob(key="salvo", index=0, values={}, loaded=loaded, run_seed=5)
    n = N
    kills = 0
    pks = None
    for r in range(n):
        result, _ = replication(job, r)
        sh = result.shots
        assert sh["threat"].size == 2  # one salvo of two, never re-engaged
        assert set(sh["cause"].tolist()) <= {"killed", "kill draw failed", "target already destroyed"}  # draws decide
        pks = sh["pk"] if pks is None else pks
        np.testing.assert_allclose(sh["pk"], pks)  # the same geometry every replication
        kills += result.count("killed")
    p_salvo = 1.0 - float(np.prod(1.0 - pks))
    lo, hi = wilson(kills, n, z=2.5758293035489)
    assert lo <= p_salvo <= hi, (kills / n, p_salvo, pks)
