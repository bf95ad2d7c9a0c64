"""``iadsim run``: coverage + tracking + battle + one report, end to end on a small smooth-earth scenario."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pyarrow.parquet as pq

from iadsim.cli.main import PROGRESS_LINE, main

from ..conftest import small_scenario_yaml

SCENARIO = small_scenario_yaml("run test")


def test_run_writes_events_outcomes_and_one_report(tmp_path, capsys):
    scen = tmp_path / "s.yaml"
    scen.write_text(SCENARIO)
    out = tmp_path / "out"
    assert main(["run", str(scen), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    for word in ("threats", "killed", "leaked", "48N6E3 expended", "Tracking", "confirmed tracks",
                 "mean GOSPA", "RMSE"):
        assert word in text, word
    battle = json.loads((out / "metrics.json").read_text())["battle"]
    for label, n in battle["outcomes"].items():  # every other outcome that happened has its column
        assert n == 0 or label in text, label
    events = pq.read_table(out / "events.parquet")
    assert events.num_rows > 0 and "launched" in set(events["event"].to_pylist())
    outcomes = (out / "outcomes.csv").read_text().splitlines()
    assert outcomes[0].startswith("threat,name,class,outcome") and len(outcomes) == 4
    for f in ("battle/timeline.png", "battle/intercepts.png", "metrics.json", "manifest.json", "expended.csv",
              "detections.parquet", "tracks.parquet", "truth.parquet", "gospa.parquet",
              "tracking/tracks_over_truth.png", "tracking/gospa.png"):
        assert (out / f).is_file(), f
    tracks = pq.read_table(out / "tracks.parquet")
    assert tracks.num_rows > 0 and "truth_id" in tracks.column_names
    assert pq.read_table(out / "truth.parquet").num_rows > 0
    all_metrics = json.loads((out / "metrics.json").read_text())
    metrics = all_metrics["battle"]
    assert metrics["threats"] == 3 and metrics["killed"] + metrics["leaked"] + metrics["survived"] == 3
    tm = all_metrics["tracking"]
    assert tm["threats"] == 3 and tm["confirmed_tracks"] >= 1 and tm["gospa"]["mean_m"] is not None
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["job"] == "run"
    assert {"tracks.parquet", "tracking/gospa.png", "events.parquet", "report.html"} <= set(manifest["files"])
    # one report, its parts in order: findings, headline outcome, coverage, tracking, battle details, sources
    assert sorted(p.name for p in out.glob("*.html")) == ["report.html"]
    report = (out / "report.html").read_text()
    marks = ["<h2>Findings</h2>", "<h2>Battle outcome</h2>", "<h2>Range ring vs physics</h2>", "<h2>Coverage maps</h2>", "<h2>Tracking</h2>", "Per threat",
             "<h2>Engagement</h2>", "Interceptors expended", "Engagement timeline", "<h2>Equipment and sources</h2>"]
    pos = [report.find(m) for m in marks]
    assert all(p >= 0 for p in pos) and pos == sorted(pos), dict(zip(marks, pos))
    assert report.count("<h2>Equipment and sources</h2>") == 1


def test_run_in_tracker_mode_reuses_the_tracking_run(tmp_path, capsys):
    scen = tmp_path / "t.yaml"
    scen.write_text(SCENARIO.replace("engagement: {doctrine: shoot-look-shoot, salvo_size: 2}",
                                     "engagement: {doctrine: shoot-look-shoot, salvo_size: 2, tracking: tracker}"))
    out = tmp_path / "o"
    assert main(["run", str(scen), "-o", str(out)]) == 0
    assert "tracking: tracker" in capsys.readouterr().out
    m = json.loads((out / "metrics.json").read_text())
    assert m["battle"]["perception"]["mode"] == "tracker"
    assert "tracking" not in m["battle"]["timings_s"]  # no second plots-and-tracker pass
    assert "miss_distance_m" in (out / "shots.csv").read_text().splitlines()[0]
    assert "The battle perceives through these tracks" in (out / "report.html").read_text()


def test_run_without_tracking_inputs_skips_tracking_under_perfect(tmp_path, capsys):
    scen = tmp_path / "p.yaml"
    scen.write_text(SCENARIO.replace(", revisit_s: 2.0", ""))
    out = tmp_path / "o"
    assert main(["run", str(scen), "-o", str(out), "--no-figures"]) == 0
    assert "tracking skipped" in capsys.readouterr().out
    assert not (out / "tracks.parquet").exists()
    assert "tracking" not in json.loads((out / "metrics.json").read_text())
    assert "tracking skipped" in (out / "report.html").read_text()


def test_run_help_has_an_example():
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    res = subprocess.run([sys.executable, "-m", "iadsim", "run", "--help"], capture_output=True, text=True, env=env,
                         timeout=120)
    assert res.returncode == 0 and "iadsim run examples/turkey-2019/scenario.yaml" in res.stdout


def test_run_tracker_mode_without_tracking_inputs_is_one_line_exit_3(tmp_path):
    scen = tmp_path / "t.yaml"
    scen.write_text(SCENARIO.replace(", revisit_s: 2.0", "").replace(
        "engagement: {doctrine: shoot-look-shoot, salvo_size: 2}", "engagement: {tracking: tracker}"))
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    res = subprocess.run([sys.executable, "-m", "iadsim", "run", str(scen), "-o", str(tmp_path / "o")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 3 and "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip() and not re.match(PROGRESS_LINE, ln)]
    assert len(lines) == 1 and "engagement.tracking is tracker" in lines[0] and str(scen) in lines[0]
    assert "revisit_s" in lines[0] and "sites[0].radars[0]" in lines[0]
    assert not (tmp_path / "o" / "report.html").exists()
