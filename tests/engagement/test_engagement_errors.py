"""Bad input gives one-line InputErrors naming the argument; engagement's import boundary."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import iadsim.engagement as eng
from iadsim.errors import IadsimError, InputError


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda: eng.intercept_constant_speed([[0, 0, 0]], [[1, 0, 0]], [[0, 0, 0]], -5.0), "speed_mps"),
        (lambda: eng.intercept_constant_speed([[0, 0, 0]], [[1, 0, 0]], [[0, 0, 0]], 0.0), "speed_mps"),
        (lambda: eng.intercept_constant_speed([[np.nan, 0, 0]], [[1, 0, 0]], [[0, 0, 0]], 5.0),
         "target_pos_enu_m"),
        (lambda: eng.intercept_constant_speed([[0, 0]], [[1, 0]], [[0, 0, 0]], 5.0), "target_pos_enu_m"),
        (lambda: eng.intercept_constant_speed([[0, 0, 0]], [[1, 0, 0], [1, 0, 0]], [[0, 0, 0]], 5.0),
         "target_vel_enu_mps"),
        (lambda: eng.intercept_constant_speed([[0, 0, 0]], [[1, 0, 0]], [[0, 0, 0]], [5.0, 6.0]), "speed_mps"),
        (lambda: eng.boost_coast_profile(1000.0, -1.0, 5.0, 1e5), "speed_avg_mps"),
        (lambda: eng.boost_coast_profile(1000.0, 990.0, 5.0, 1e5), "speed_avg_mps"),
        (lambda: eng.boost_coast_profile(1000.0, 500.0, 300.0, 1e5), "boost_s"),
        (lambda: eng.make_envelope(5e3, 1e3, 0, 1e4, 1e3), "range_max_m"),
        (lambda: eng.shot_pk([[1.2]], 0, 0), "pk_nominal"),
        (lambda: eng.draw_kills([0.5, np.nan], np.random.default_rng(0)), "pk"),
        (lambda: eng.closest_approach([[0, 0, np.inf]], [[0, 0, 0]], [[0, 0, 0]]), "threat_pos_enu_m"),
        (lambda: eng.evaluate_threats([[0, 0, 0]], [[1, 0, 0]], [[5, 0, 0]], [-1.0]), "asset_value"),
        (lambda: eng.assign_optimal(np.ones((1, 1)), np.ones((1, 1)), [-2], [1]), "channels_free"),
        (lambda: eng.sls_schedule(0.0, 10.0, [[-1.0]], 1.0), "tof_s"),
        (lambda: eng.fire_salvo([[0.5]], [np.random.default_rng(0)] * 2), "rng"),
    ],
)
def test_bad_input_raises_input_error(call, field):
    """Negative or zero speeds, NaN/inf positions, bad shapes, inconsistent published figures,
    negative channel counts → EngagementInputError (an InputError) with a one-line message."""
    with pytest.raises(eng.EngagementInputError) as info:
        call()
    err = info.value
    assert isinstance(err, InputError) and isinstance(err, IadsimError)
    assert err.field == field
    assert "\n" not in str(err) and str(err).startswith(field)


def test_zero_channels_is_documented_no_engagement():
    """Zero free channels is a state, not an error: nothing is engaged."""
    a = eng.assign_optimal(np.ones((3, 2)), np.ones((3, 2), bool), [0, 0], [4, 4])
    assert (a.launcher_of_threat == -1).all() and a.value_saved == 0.0


ALLOWED_ROOTS = {"numpy", "scipy", "numba", "__future__", "dataclasses", "enum", "typing",
                 "collections", "math", "functools", "itertools"}


def test_engagement_imports_only_numpy_scipy_numba_and_errors():
    """The array core may import only numpy/scipy/numba, the standard library helpers above,
    iadsim.errors and itself (the scenario and kernel layers call it, not the other way)."""
    root = Path(eng.__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: use absolute imports"
                names = [node.module or ""]
            else:
                continue
            for name in names:
                ok = (
                    name.split(".")[0] in ALLOWED_ROOTS
                    or name == "iadsim.errors"
                    or name.startswith("iadsim.engagement")
                )
                assert ok, f"{path.name} imports {name}"
