"""``iadsim validate`` does everything checkable without running (issue 10), and the job commands
refuse work above the resource limits unless ``--force``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from iadsim.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "turkey-2019" / "scenario.yaml"
BROKEN = ROOT / "tests" / "data" / "broken"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="300", NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "iadsim", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_validate_reports_dem_coverage_of_each_radar_and_the_estimate(capsys):
    assert main(["validate", str(DEMO)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for radar in ("91N6E", "92N6E", "96L6E"):
        assert f"of {radar} at Murted" in out or f"range of {radar} at Murted" in out
    assert "DEM covers 100 % of the 400 km range of 92N6E at Murted" in out
    assert "estimate: coverage on" in out and "46 threats × 1,801 time steps" in out


def test_validate_prints_located_warnings(tmp_path, capsys):
    text = DEMO.read_text(encoding="utf-8").replace("alt_m: 9000, speed_mps: 250", "alt_m: 9000, speed_mps: 2500", 1)
    path = tmp_path / "s.yaml"
    path.write_text(text.replace("dem: terrain/globe-ankara.tif", f"dem: {DEMO.parent / 'terrain/globe-ankara.tif'}"),
                    encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert f"warning: {path}:" in err and "2500 m/s is implausible for a fighter_4gen" in err


def test_resource_refusal_and_force():
    path = BROKEN / "ten_metre_cells_3000_km.yaml"
    res = run_cli("validate", str(path))
    assert res.returncode == 5 and "Traceback" not in res.stderr  # a resource refusal
    assert "coverage.cell_m" in res.stderr and "--force" in res.stderr
    forced = run_cli("validate", "--force", str(path))
    assert forced.returncode == 0, forced.stderr
    assert "running anyway (--force)" in forced.stderr


def test_job_commands_refuse_above_hard_limits(tmp_path):
    res = run_cli("coverage", str(BROKEN / "ten_metre_cells_3000_km.yaml"), "-o", str(tmp_path / "out"))
    assert res.returncode == 5 and "coverage.cell_m" in res.stderr and "--force" in res.stderr
    assert not (tmp_path / "out").exists()
    for cmd in ("coverage", "track", "run"):
        assert "--force" in run_cli(cmd, "--help").stdout
