"""``iadsim track`` end to end: files, summary table, help, one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from iadsim.cli.main import PROGRESS_LINE, main

SCENARIO = """\
name: cli track
run: {seed: 1, time_step_s: 2, duration_s: 90}
sites:
  - name: S
    lat_deg: 40.0
    lon_deg: 32.5
    radars: [{equipment: 92N6E, mast_m: 20, revisit_s: 2.0}]
threats:
  - name: F
    class: fighter_4gen
    route:
      - {lat_deg: 40.6, lon_deg: 32.5, alt_m: 7000, speed_mps: 250}
      - {lat_deg: 40.2, lon_deg: 32.5, alt_m: 7000, speed_mps: 250}
coverage: {max_range_km: 120, cell_m: 2000}
"""


def test_track_writes_its_files(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    out = tmp_path / "run"
    assert main(["track", str(path), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Tracking:" in text and "wrote" in text
    for f in ("detections.parquet", "tracks.parquet", "truth.parquet", "metrics.json", "manifest.json",
              "report.html", "tracking/tracks_over_truth.png", "tracking/gospa.png"):
        assert (out / f).is_file(), f
    m = json.loads((out / "metrics.json").read_text())
    assert m["threats"] == 1 and m["threats_tracked"] == 1


def test_track_help_and_located_error(tmp_path):
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    res = subprocess.run([sys.executable, "-m", "iadsim", "track", "--help"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert res.returncode == 0 and "Example: iadsim track" in res.stdout
    path = tmp_path / "bad.yaml"
    path.write_text(SCENARIO.replace(", revisit_s: 2.0", ""))
    res = subprocess.run([sys.executable, "-m", "iadsim", "track", str(path), "-o", str(tmp_path / "o")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 3 and "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip() and not re.match(PROGRESS_LINE, ln)]
    assert len(lines) == 1 and f"{path}:7:14:" in lines[0] and "sites[0].radars[0]" in lines[0] and "revisit_s" in lines[0]
