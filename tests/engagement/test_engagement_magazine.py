"""Magazines: rounds never negative, reloads after reload_s, launch interval respected."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.engagement import (
    EngagementInputError,
    advance,
    fire,
    launch_ready,
    make_magazine,
    pending_reloads,
    ready_rounds,
)


def test_reload_completes_after_reload_s():
    """One round fired at t = 0 with a reserve round is ready again at t = reload_s, not before."""
    mag = make_magazine([[4, 0]], reload_s=600.0, launch_interval_s=3.0, reserve=[[2, 0]])
    mag, times = fire(mag, [0], [0], [1], t_s=0.0)
    assert times.tolist() == [[0.0]]
    assert ready_rounds(mag, 599.999)[0, 0] == 3
    assert ready_rounds(mag, 600.0)[0, 0] == 4
    assert pending_reloads(mag)[0, 0] == 1
    assert advance(mag, 600.0).reserve[0, 0] == 1


def test_serial_reloads_and_launch_interval():
    """Salvo of 3 with a 2 s interval launches at 0, 2, 4 s; serial reloads of 10 s complete at
    10, 20, 30 s (one crew: start = max(launch, crew free)); only 2 reserve rounds → 2 reloads."""
    mag = make_magazine([[4]], reload_s=10.0, launch_interval_s=2.0, reserve=2)
    mag, times = fire(mag, [0], [0], [3], t_s=0.0)
    np.testing.assert_allclose(times, [[0.0, 2.0, 4.0]])
    assert ready_rounds(mag, 9.9)[0, 0] == 1
    assert ready_rounds(mag, 10.0)[0, 0] == 2
    assert ready_rounds(mag, 19.9)[0, 0] == 2
    assert ready_rounds(mag, 20.0)[0, 0] == 3
    assert ready_rounds(mag, 1e6)[0, 0] == 3  # no third reserve round
    # The interval holds across calls: the next launch cannot precede 4 + 2 = 6 s.
    assert not launch_ready(mag, 5.0)[0] and launch_ready(mag, 6.0)[0]
    mag2, t2 = fire(mag, [0], [0], [1], t_s=5.0)
    assert t2[0, 0] == 6.0


def test_several_requests_same_launcher():
    """Two requests on one launcher in one call are serialised by the launch interval."""
    mag = make_magazine([[4], [4]], reload_s=10.0, launch_interval_s=[1.5, 0.5])
    mag, times = fire(mag, [0, 1, 0], [0, 0, 0], [2, 1, 1], t_s=3.0)
    np.testing.assert_allclose(times, [[3.0, 4.5], [3.0, np.nan], [6.0, np.nan]])
    assert ready_rounds(mag).tolist() == [[1], [3]]


def test_over_firing_and_time_reversal_are_errors():
    """Firing more than is ready, or going back in time, raises and leaves the state unchanged."""
    mag = make_magazine([[2]], reload_s=10.0, launch_interval_s=1.0)
    with pytest.raises(EngagementInputError, match="n_rounds"):
        fire(mag, [0, 0], [0, 0], [1, 2], t_s=0.0)
    assert ready_rounds(mag)[0, 0] == 2
    later = advance(mag, 5.0)
    with pytest.raises(EngagementInputError, match="backwards"):
        advance(later, 4.0)
    with pytest.raises(EngagementInputError, match="reload_s"):
        make_magazine([[2]], reload_s=-1.0, launch_interval_s=1.0)


@settings(max_examples=150, deadline=None)
@given(
    ops=st.lists(
        st.tuples(st.floats(0, 40), st.integers(0, 2), st.integers(0, 1), st.integers(1, 4)),
        min_size=1,
        max_size=25,
    ),
    reserve=st.integers(0, 6),
)
def test_rounds_conserved_and_never_negative(ops, reserve):
    """Property: under any sequence of fire attempts and waits, ready rounds stay ≥ 0, rounds are
    conserved (ready + queued + reserve + fired = initial), reloads finish exactly reload_s after
    the crew starts them, and launches from a launcher are ≥ launch_interval_s apart."""
    ready0 = np.array([[4, 2], [2, 2], [0, 3]])
    interval = np.array([2.0, 3.0, 1.0])
    reload_s = np.array([15.0, 30.0, 5.0])
    mag = make_magazine(ready0, reload_s, interval, reserve=reserve)
    total0 = ready0.sum() + mag.reserve.sum()
    fired = 0
    launches = {0: [], 1: [], 2: []}
    t = 0.0
    for dt, l, m, n in ops:
        t += dt
        can = ready_rounds(mag, t)[l, m] >= n
        if can:
            mag, times = fire(mag, [l], [m], [n], t)
            fired += n
            launches[l].extend(times[0, :n].tolist())
        else:
            with pytest.raises(EngagementInputError):
                fire(mag, [l], [m], [n], t)
            mag = advance(mag, t)
        assert np.all(mag.ready >= 0) and np.all(mag.reserve >= 0)
        assert mag.ready.sum() + pending_reloads(mag).sum() + mag.reserve.sum() + fired == total0
        assert np.all(np.isinf(mag.queue_done_s[mag.queue_type < 0]))
        assert np.all(mag.queue_done_s[mag.queue_type >= 0] > t)
    for l, ts in launches.items():
        assert np.all(np.diff(ts) >= interval[l] - 1e-9)
    final = ready_rounds(mag, t + 1e6)
    assert np.all(final <= ready0)
