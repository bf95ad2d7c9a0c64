"""The findings that open the report: every leaker gets one reason (missed, out of reach, magazine
empty, never engaged) from the battle's outcome labels, shot causes and magazines."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from iadsim.report.findings import battle_findings, findings_html, rounds_remaining
from iadsim.sim.battle import EVENTS


def fake_result(*, reload_t=(), within_reach=(True, True, False, True, True), reserve=0):
    """Five threats: 0 killed, 1 leaked after two missed shots, 2 leaked out of reach, 3 leaked after the
    last ready round was fired (t = 30 s), 4 leaked before that with rounds in hand (never engaged).
    Three rounds ready at the start."""
    names = np.array([f"T{i}" for i in range(5)], dtype=object)
    shots = {"threat": np.array([0, 1, 1]), "t_launch_s": np.array([10.0, 20.0, 30.0]),
             "outcome": np.array(["kill", "miss", "miss"], dtype=object),
             "cause": np.array(["killed", "lost fire control", "kill draw failed"], dtype=object)}
    ev = {"event": np.array([EVENTS.index("reload_done")] * len(reload_t), dtype=np.int64),
          "t_s": np.array(reload_t, dtype=float), "threat": np.full(len(reload_t), -1)}
    setup = SimpleNamespace(
        traj=SimpleNamespace(name=names, threat_class=np.array(["c"] * 5, dtype=object)),
        ready0=np.array([[3]]), reserve0=np.array([[0]]), launcher_site=np.array([0]),
        world=SimpleNamespace(sites=[object()]), settings=SimpleNamespace(magazine_reserve=reserve),
        within_reach=np.array(within_reach), asset_names=["Base", "City"])
    return SimpleNamespace(
        setup=setup, shots=shots, events=ev,
        status=np.array(["killed", "leaked", "leaked", "leaked", "leaked"], dtype=object),
        end_time_s=np.array([12.0, 50.0, 60.0, 70.0, 25.0]), leak_asset=np.array([-2, 0, 1, 1, 0]),
        n_threats=5)


def test_each_leaker_gets_its_reason():
    f = battle_findings(fake_result())
    assert [(lk.threat, lk.reason, lk.asset) for lk in f.leakers] == [
        ("T1", "missed", "Base"), ("T2", "out of reach", "City"), ("T3", "magazine empty", "City"),
        ("T4", "never engaged", "Base")]
    assert f.leakers[0].causes == "kill draw failed 1, lost fire control 1"
    assert f.by_reason == {"missed": 1, "out of reach": 1, "magazine empty": 1, "never engaged": 1}
    assert f.magazine_empty_s == 30.0 and f.leaked_at == {"Base": 2, "City": 2}
    assert f.miss_causes == {"lost fire control": 1, "kill draw failed": 1}


def test_a_reload_before_the_leak_means_the_magazine_was_not_empty():
    f = battle_findings(fake_result(reload_t=(40.0,)))
    assert {lk.threat: lk.reason for lk in f.leakers}["T3"] == "never engaged"


def test_the_reserve_counts_as_empty():
    """With one round held back per site, the magazine is 'empty' after the second launch (t = 20 s)."""
    f = battle_findings(fake_result(reserve=1))
    assert f.magazine_empty_s == 20.0


def test_rounds_remaining_steps_down_on_launches_and_up_on_reloads():
    t, r = rounds_remaining(fake_result(reload_t=(15.0, 30.0)))
    assert t.tolist() == [0.0, 10.0, 15.0, 20.0, 30.0, 30.0]
    assert r.tolist() == [3, 2, 3, 2, 3, 2]  # a reload at the same time as a launch comes first


def test_findings_block_reads_plainly():
    html = findings_html(fake_result())
    assert "<h2>Findings</h2>" in html
    assert "Of 5 threats, 1 was killed and 4 leaked (2 at Base, 2 at City)" in html
    assert "1 missed; 1 out of reach; 1 magazine empty; 1 never engaged" in html
    assert "T+30 s" in html
    assert "None" not in html and "True" not in html and "False" not in html
