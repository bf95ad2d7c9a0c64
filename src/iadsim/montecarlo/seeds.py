"""The seed of each replication: ``SeedSequence(entropy=run.seed, spawn_key=(point, rep))``.

The seed depends only on the scenario's ``run.seed``, the sweep point's index and the replication
index, never on the executor, the number of workers or the order in which work finishes. The
32-bit integer it yields is the replication's ``run.seed``: rerunning ``iadsim run`` (or
``iadsim battle``) with ``run.seed`` set to a row's ``seed`` reproduces that row's battle.
"""

from __future__ import annotations

import numpy as np

#: spawn-key component of the Latin hypercube stream of a point (apart from every (point, rep) key,
#: which has two components)
LHS_KEY = 0x4C4853  # "LHS"


def replication_seed(run_seed: int, point: int, rep: int) -> int:
    """The integer seed of replication ``rep`` of sweep point ``point``."""
    ss = np.random.SeedSequence(entropy=int(run_seed), spawn_key=(int(point), int(rep)))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def lhs_generator(run_seed: int, point: int) -> np.random.Generator:
    """The generator of a point's Latin hypercube of catalog figures (one per point)."""
    return np.random.default_rng(np.random.SeedSequence(entropy=int(run_seed), spawn_key=(int(point), LHS_KEY, 0)))
