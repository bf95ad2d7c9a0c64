"""Named random streams of a run, all branches of the scenario's one seed.

Each job draws from its own branch, ``SeedSequence(seed, spawn_key=(STREAM,))``, and spawns
children below it (per radar and scan, per shot), so jobs never share a stream, any scan or
shot can be rerun alone, and the numbers do not depend on evaluation order or worker count.
"""

from __future__ import annotations

import numpy as np

#: Stream ids: fixed forever, since changing one changes every result drawn from it.
STREAMS = {
    "measurements": 1,
    "shots": 5,
    "scan_phase": 9,  # each radar's first-scan offset (iadsim.sim.measure.scan_phase_s)
}


def stream(seed: int, name: str) -> np.random.SeedSequence:
    """The root ``SeedSequence`` of the named stream (see :data:`STREAMS`)."""
    return np.random.SeedSequence(int(seed), spawn_key=(STREAMS[name],))
