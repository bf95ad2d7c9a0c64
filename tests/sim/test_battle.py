"""The time-stepped battle on small smooth-earth scenarios: constraints, conservation, outcomes,
determinism, kinematics of a straight-in intercept, and the warnings a user needs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iadsim.api.battle import run_battle
from iadsim.catalog import load_catalog
from iadsim.engagement.flyout import flyout_range_m
from iadsim.errors import ScenarioError
from iadsim.scenario import parse_scenario
from iadsim.sim.battle import EVENTS, simulate
from iadsim.sim.battle_setup import prepare_battle
from iadsim.world import compile_world

LAT, LON = 40.0, 32.5
EV = {name: i for i, name in enumerate(EVENTS)}


def scenario(*, threats: str | None = None, launchers: str = "[{equipment: 5P85SE2, count: 2, load: {48N6E3: 4}}]",
             radars: str = "[{equipment: 92N6E, mast_m: 20}]", assets: str | None = None, engagement: str = "",
             step: float = 1.0, duration: float | None = None, seed: int = 7) -> str:
    if threats is None:
        threats = abreast(6)
    if assets is None:
        assets = f"[{{name: City, lat_deg: {LAT}, lon_deg: {LON + 0.1}, value: 10}}]"
    dur = f", duration_s: {duration}" if duration else ""
    return f"""\
name: battle test
run: {{seed: {seed}, time_step_s: {step}{dur}}}
sites:
  - name: S
    lat_deg: {LAT}
    lon_deg: {LON}
    radars: {radars}
    launchers: {launchers}
defended_assets: {assets}
threats:
{threats}
coverage: {{max_range_km: 300, cell_m: 2000, threat_classes: [fighter_4gen], altitudes_m: [1000]}}
{engagement}
"""


def abreast(m: int, start_deg: float = 1.6, alt_m: float = 8000.0, cls: str = "fighter_4gen") -> str:
    """m fighters flying south side by side towards the city, starting together."""
    if m == 0:
        return "  []"
    out = []
    for i in range(m):
        lon = LON + 0.1 + 0.05 * (i - (m - 1) / 2)
        out.append(f"""  - name: T{i}
    class: {cls}
    route:
      - {{lat_deg: {LAT + start_deg}, lon_deg: {lon:.4f}, alt_m: {alt_m}, speed_mps: 250}}
      - {{lat_deg: {LAT}, lon_deg: {LON + 0.1}, alt_m: {alt_m}, speed_mps: 250}}""")
    return "\n".join(out)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def setup_of(text, catalog):
    return prepare_battle(compile_world(parse_scenario(text, "battle.yaml", catalog=catalog), catalog))


@pytest.fixture(scope="module")
def eight(catalog):
    """Eight simultaneous threats against one fire unit with two launchers (8 rounds)."""
    return setup_of(scenario(threats=abreast(8), launchers="[{equipment: 5P85SE2, count: 4, load: {48N6E3: 4}}]"),
                    catalog)


def _variant(setup, *, channels=None, missiles=None, salvo=None, doctrine=None, assignment=None, m_threats=None,
             interval=None, reload=None):
    upd = {}
    if salvo is not None:
        upd["salvo_size"] = salvo
    if doctrine is not None:
        upd["doctrine"] = doctrine
    if assignment is not None:
        upd["assignment"] = assignment
    kw = {"settings": setup.settings.model_copy(update=upd)}
    if channels is not None:
        kw["eng_targets"] = np.full_like(setup.eng_targets, channels)
    if missiles is not None:
        kw["eng_missiles"] = np.full_like(setup.eng_missiles, missiles)
    if m_threats is not None:
        known = setup.known_site.copy()
        known[:, m_threats:, :] = False  # the others are never seen: never engaged
        kw["known_site"] = known
    if interval is not None:
        kw["launch_interval_s"] = np.full_like(setup.launch_interval_s, interval)
    if reload is not None:
        kw["reload_s"] = np.full_like(setup.reload_s, reload)
        kw["reserve0"] = setup.ready0.copy()
    return dataclasses.replace(setup, **kw)


def busy_channels_max(res, assess_s: float) -> int:
    """Most engagements whose channel is busy at once (launch … last intercept + assessment)."""
    sh = res.shots
    if not sh["engagement"].size:
        return 0
    starts, ends = [], []
    for e in np.unique(sh["engagement"]):
        m = sh["engagement"] == e
        starts.append(sh["t_launch_s"][m].min())
        ends.append(sh["t_intercept_s"][m].max() + assess_s)
    times = np.array(starts)
    return int(max(np.count_nonzero((np.array(starts) <= t) & (np.array(ends) > t)) for t in times))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(channels=st.integers(1, 4), m=st.integers(0, 8), salvo=st.integers(1, 2), seed=st.integers(0, 2**32 - 1),
       greedy=st.booleans())
def test_engagements_never_exceed_channels(eight, channels, m, salvo, seed, greedy):
    s = _variant(eight, channels=channels, missiles=100, salvo=salvo, m_threats=m,
                 assignment="greedy" if greedy else "optimal")
    res = simulate(s, seed)
    ev = res.events
    assigned_t = ev["t_s"][ev["event"] == EV["assigned"]]
    per_cycle = np.unique(assigned_t, return_counts=True)[1]
    assert per_cycle.max(initial=0) <= min(channels, m)
    assert busy_channels_max(res, s.settings.kill_assessment_s) <= channels
    # engaged threats are the seen ones only
    assert set(ev["threat"][ev["event"] == EV["assigned"]].tolist()) <= set(range(m))


def test_missiles_guided_at_once_cap_the_channels(eight):
    s = _variant(eight, channels=36, missiles=3, salvo=2)  # 3 missiles guided: one salvo of 2 at a time
    res = simulate(s)
    sh = res.shots
    for t in sh["t_launch_s"]:
        assert np.count_nonzero((sh["t_launch_s"] <= t) & (sh["t_intercept_s"] > t)) <= 3


@pytest.mark.parametrize("interval, reload", [(None, None), (3.0, None), (None, 20.0), (2.0, 15.0)])
def test_magazines_never_negative_and_rounds_conserved(eight, interval, reload):
    s = _variant(eight, interval=interval, reload=reload, salvo=2)
    if reload is None:  # no reload: nothing in reserve (the catalog's own reload time is not used here)
        s = dataclasses.replace(s, reserve0=np.zeros_like(s.reserve0))
    res = simulate(s)
    ev, sh = res.events, res.shots
    launched = ev["event"] == EV["launched"]
    assert launched.sum() == sh["threat"].size == sum(res.expended_by_type().values())
    reloads = ev["event"] == EV["reload_done"]
    for lv in range(s.ready0.shape[0]):
        for mv in range(s.ready0.shape[1]):
            t_fire = np.sort(ev["t_s"][launched & (ev["launcher"] == lv) & (ev["missile"] == mv)])
            t_rel = np.sort(ev["t_s"][reloads & (ev["launcher"] == lv) & (ev["missile"] == mv)])
            for j, t in enumerate(t_fire):  # j + 1 rounds gone by t: never more than loaded + reloaded
                assert j + 1 <= s.ready0[lv, mv] + np.count_nonzero(t_rel <= t + 1e-9)
            assert t_rel.size <= s.reserve0[lv, mv]
    if reload is None:
        assert not reloads.any()
    else:
        assert reloads.any()
    if interval:
        for e in np.unique(sh["engagement"]):
            tl = np.sort(sh["t_launch_s"][sh["engagement"] == e])
            assert np.all(np.diff(tl) >= interval - 1e-9)


def test_every_launch_has_exactly_one_outcome(eight):
    for doctrine in ("shoot-look-shoot", "salvo"):
        res = simulate(_variant(eight, doctrine=doctrine))
        ev = res.events
        shots_launched = np.sort(ev["shot"][ev["event"] == EV["launched"]])
        outcome = (ev["event"] == EV["intercepted"]) | (ev["event"] == EV["missed"])
        assert np.array_equal(np.sort(ev["shot"][outcome]), shots_launched)
        assert np.array_equal(shots_launched, np.arange(res.shots["threat"].size))
        # a threat is killed by at most one shot, and each killed threat's kill is an intercepted event
        killed = np.flatnonzero(res.status == "killed")
        assert np.array_equal(np.sort(ev["threat"][ev["event"] == EV["intercepted"]]), killed)
        # each threat has one fate
        assert set(res.status.tolist()) <= {"killed", "leaked", "survived"}
        if doctrine == "salvo":  # one engagement per threat
            th = ev["threat"][ev["event"] == EV["assigned"]]
            assert np.unique(th).size == th.size


def test_same_seed_same_events_and_different_seed_differs(catalog):
    text = scenario(threats=abreast(8), launchers="[{equipment: 5P85SE2, count: 6, load: {48N6E3: 4}}]")
    a = simulate(setup_of(text, catalog)).events_table()
    b = simulate(setup_of(text, catalog)).events_table()
    assert a.schema == b.schema and a.num_rows == b.num_rows > 0
    for name in a.column_names:  # Table.equals treats NaN ≠ NaN
        x, y = a[name].to_pylist(), b[name].to_pylist()
        assert all(u == v or (u != u and v != v) for u, v in zip(x, y)), name
    s = setup_of(text, catalog)
    draws = [tuple(simulate(s, seed).shots["kill_draw"]) for seed in range(6)]
    assert len(set(draws)) > 1


def _straight_in(catalog, step: float):
    """One fighter flying straight at the launcher from 150 km (inside 80 % of range and ceiling: edge
    factor 1), 8 km up; Pk 1 (catalog figure monkeypatched in the setup's table)."""
    text = scenario(threats=f"""  - name: T
    class: fighter_4gen
    route:
      - {{lat_deg: {LAT + 1.35}, lon_deg: {LON}, alt_m: 8000, speed_mps: 300}}
      - {{lat_deg: {LAT}, lon_deg: {LON}, alt_m: 8000, speed_mps: 300}}""",
                    launchers="[{equipment: 5P85SE2, count: 1, load: {48N6E3: 4}}]", step=step,
                    assets=f"[{{name: Site, lat_deg: {LAT}, lon_deg: {LON}, value: 1}}]")
    s = setup_of(text, catalog)
    s.pk_table[:] = 1.0
    return s


@pytest.mark.parametrize("step", [1.0, 2.5])
def test_straight_in_threat_killed_at_the_predicted_intercept_time(catalog, step):
    """Collision condition |p_T(t) − p_L| = r_m(t − t_launch) (Zarchan, ch. 2; r_m the missile's range
    flown, v_m·t or the boost–coast profile), solved here by bisection on the sampled route itself;
    the kill must fall within one step of it."""
    s = _straight_in(catalog, step)
    res = simulate(s)
    assert res.status.tolist() == ["killed"]
    sh = res.shots
    t_launch = sh["t_launch_s"][res.kill_shot[0]]
    assert t_launch == s.t_s[np.argmax(s.known_site[0, 0])]  # fired at the first step the site knows it
    v_m = s.speed_max_mps[0]
    p_l = s.site_pos_enu_m[0]

    def flown(tof):  # the missile's range after tof seconds: boost–coast where the catalog allows it
        if s.boost_coast[0]:
            return float(flyout_range_m(s.profile.take(0), tof))
        return v_m * tof

    def gap(t):
        p = np.array([np.interp(t, s.t_s, s.traj.pos_enu_m[0, :, j]) for j in range(3)])
        return np.linalg.norm(p - p_l) - flown(t - t_launch)

    lo, hi = t_launch, t_launch + 200.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if gap(mid) > 0 else (lo, mid)
    assert abs(res.end_time_s[0] - lo) <= step
    assert abs(res.end_time_s[0] - lo) < 0.05  # a straight constant-velocity leg: in fact nearly exact
    assert sh["pk"][res.kill_shot[0]] == pytest.approx(1.0)


def test_zero_threats_warns_and_writes(tmp_path, catalog):
    text = scenario(threats="  []")
    loaded = parse_scenario(text, "zero.yaml", catalog=catalog)
    run = run_battle(loaded, tmp_path, catalog=catalog)
    assert any("0 threats" in w for w in run.warnings)
    assert run.metrics["threats"] == 0 and (tmp_path / "events.parquet").is_file()
    assert (tmp_path / "outcomes.csv").read_text().count("\n") == 1


def test_route_below_terrain_warns(catalog):
    text = scenario(threats=f"""  - name: Mole
    class: fighter_4gen
    route:
      - {{lat_deg: {LAT + 0.5}, lon_deg: {LON}, alt_m: 2000, speed_mps: 250}}
      - {{lat_deg: {LAT + 0.2}, lon_deg: {LON}, alt_m: -200, speed_mps: 250}}""")
    s = setup_of(text, catalog)
    assert any("Mole" in w and "below the terrain" in w for w in s.warnings)


def test_asset_outside_every_envelope_warns(catalog):
    text = scenario(assets=f"[{{name: Far, lat_deg: {LAT + 4.0}, lon_deg: {LON}, value: 1}}, "
                           f"{{name: Near, lat_deg: {LAT}, lon_deg: {LON + 0.1}, value: 1}}]")
    s = setup_of(text, catalog)
    msgs = [w for w in s.warnings if "outside every engagement envelope" in w]
    assert len(msgs) == 1 and "Far" in msgs[0]


def test_launchers_without_engagement_radar_warn_and_do_not_fire(catalog):
    s = setup_of(scenario(radars="[{equipment: 91N6E, mast_m: 10}]"), catalog)
    assert any("no engagement radar" in w for w in s.warnings)
    res = simulate(s)
    assert res.shots["threat"].size == 0


def test_load_a_launcher_cannot_carry_is_rejected_by_validation(catalog):
    text = scenario(launchers="[{equipment: 5P85SE2, count: 1, load: {9M96E2: 4}}]")
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, "bad.yaml", catalog=catalog)
    assert "does not carry '9M96E2'" in str(exc.value) and "bad.yaml:" in str(exc.value)


def test_tracker_mode_needs_tracking_inputs_located(catalog):
    """``tracking: tracker`` runs the tracking job: the 92N6E has no public revisit time."""
    text = scenario(engagement="engagement:\n  doctrine: salvo\n  tracking: tracker\n")
    loaded = parse_scenario(text, "trk.yaml", catalog=catalog)
    with pytest.raises(ScenarioError) as exc:
        prepare_battle(compile_world(loaded, catalog))
    msg = str(exc.value)
    assert msg.startswith("trk.yaml:") and "revisit_s" in msg and "engagement.tracking is tracker" in msg
    assert "\n" not in msg


def _drop_blocks(text: str, *keys: str) -> str:
    """A catalog entry's YAML without the given top-level fields (each block up to the next field)."""
    out, skip = [], False
    for line in text.splitlines(keepends=True):
        if line[:1].isalpha():
            skip = line.split(":", 1)[0] in keys
        if not skip:
            out.append(line)
    return "".join(out)


def test_missing_figures_are_noted(tmp_path):
    from iadsim.catalog import PACKAGED_DIR

    for rel, keys in (("launchers/5P85SE2.yaml", ("reload_s", "launch_interval_s")),
                      ("missiles/48N6E3.yaml", ("speed_avg_mps", "boost_s"))):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(_drop_blocks((PACKAGED_DIR / rel).read_text(encoding="utf-8"), *keys),
                                    encoding="utf-8")
    sparse = load_catalog([tmp_path])
    assert sparse.launcher("5P85SE2").reload_s is None and sparse.missile("48N6E3").speed_avg_mps is None
    s = setup_of(scenario(), sparse)
    joined = " ".join(s.notes)
    assert "optimistic" in joined and "no public reload time" in joined and "launch interval" in joined


def test_catalog_doctrine_figures_reach_the_setup(catalog):
    s = setup_of(scenario(), catalog)
    ln = catalog.launcher("5P85SE2")
    assert np.all(s.reload_s == ln.reload_s.nominal) and np.all(s.launch_interval_s == ln.launch_interval_s.nominal)
    assert s.boost_coast.all()


def test_leak_records_asset_and_time(catalog):
    """With no launcher able to fire, every threat leaks at the step it enters the leak radius."""
    s = setup_of(scenario(radars="[{equipment: 91N6E, mast_m: 10}]", threats=abreast(2)), catalog)
    res = simulate(s)
    assert res.status.tolist() == ["leaked", "leaked"]
    asset = s.asset_pos_enu_m[0]
    for i in range(2):
        k = np.searchsorted(s.t_s, res.end_time_s[i])
        d = np.hypot(*(s.traj.pos_enu_m[i, k, :2] - asset[:2]))
        d_prev = np.hypot(*(s.traj.pos_enu_m[i, k - 1, :2] - asset[:2]))
        radius = s.settings.leak_radius_km * 1e3
        assert d <= radius < d_prev
        assert res.leak_asset[i] == 0
