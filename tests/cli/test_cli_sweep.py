"""``iadsim sweep`` and ``iadsim report DIR`` end to end, and their one-line errors."""

from __future__ import annotations

import json

import pytest

from iadsim.cli.main import main

SCENARIO = """\
name: cli sweep
run: {seed: 3, time_step_s: 4, duration_s: 200}
sites:
  - name: S
    lat_deg: 40.0
    lon_deg: 32.5
    radars: [{equipment: 92N6E, mast_m: 20}]
    launchers: [{equipment: 5P85SE2, count: 1, load: {48N6E3: 4}}]
defended_assets: [{name: City, lat_deg: 40.0, lon_deg: 32.6, value: 10}]
threats:
  - name: F
    class: fighter_4gen
    count: 2
    spacing_s: 10
    route:
      - {lat_deg: 41.0, lon_deg: 32.6, alt_m: 8000, speed_mps: 250}
      - {lat_deg: 40.0, lon_deg: 32.6, alt_m: 8000, speed_mps: 250}
engagement: {doctrine: salvo, salvo_size: 1}
"""


@pytest.fixture
def scen(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(SCENARIO)
    return p


def test_sweep_writes_dataset_and_report(scen, tmp_path, capsys):
    out = tmp_path / "sw"
    assert main(["sweep", str(scen), "-o", str(out), "-n", "4", "--vary", "raid.scale=1:2:1", "--vary",
                 "catalog.48N6E3.pk.fighter_4gen=0.3,0.9", "--workers", "1"]) == 0
    text = capsys.readouterr().out
    assert "4 point(s) × 4 replications" in text and "wrote 16 replications" in text
    manifest = json.loads((out / "sweep.json").read_text())
    assert len(manifest["points"]) == 4 and len(manifest["hash"]) == 64
    html = (out / "report.html").read_text()
    for part in ("Monte Carlo", "Saturation curve", "Tornado", "Wilson"):
        assert part in html, part
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").is_file()


def test_tornado_sweep_and_its_report(scen, tmp_path, capsys):
    out = tmp_path / "tor"
    assert main(["sweep", str(scen), "-o", str(out), "-n", "3", "--tornado", "48N6E3.pk.fighter_4gen,5P85SE2.reload_s",
                 "--workers", "1"]) == 0
    assert "5 point(s) × 3 replications, a tornado of 2 figure(s)" in capsys.readouterr().out
    html = (out / "report.html").read_text()
    assert "Tornado" in html and "common random numbers" in html and "swing_lo" in html


def test_sweep_section_of_the_scenario(scen, tmp_path, capsys):
    scen.write_text(SCENARIO + "sweep: {replications: 2, vary: {engagement.salvo_size: '1,2'}}\n")
    assert main(["sweep", str(scen), "-o", str(tmp_path / "sw"), "--workers", "1", "--no-report"]) == 0
    assert "2 point(s) × 2 replications" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--vary", "engagement.salvo_sise=1,2"], "did you mean 'salvo_size'"),
    (["--vary", "sites[Murtd].radars[0].mast_m=1,2"], "no site named 'Murtd'"),
    (["--vary", "threats[0].count=40:4:4"], "reversed"),
    (["--vary", "threats[0].count="], "no values"),
    (["--uncertain", "92N6E.instrumented_range_km"], "no spread"),
    (["--vary", "catalog.48N6E3.pk.fightr_4gen=0.5"], "did you mean 'pk.fighter_4gen'"),
    (["--tornado", "92N6E.instrumented_range_km"], "no spread"),
    (["--tornado", "48N6E4.pk.fighter_4gen"], "did you mean '48N6E3'"),
    (["--tornado", "catalog", "--uncertain", "catalog"], "cannot be combined"),
])
def test_bad_input_is_one_line(scen, tmp_path, capsys, args, message):
    out = tmp_path / "sw"
    assert main(["sweep", str(scen), "-o", str(out), "-n", "2", "--workers", "1", *args]) == 3  # input error
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err, err
    assert not out.exists()


def test_another_sweep_folder_is_refused(scen, tmp_path, capsys):
    out = tmp_path / "sw"
    assert main(["sweep", str(scen), "-o", str(out), "-n", "2", "--workers", "1", "--no-report"]) == 0
    parts = sorted(p.name for p in (out / "results").iterdir())
    assert main(["sweep", str(scen), "-o", str(out), "-n", "3", "--workers", "1", "--no-report"]) == 4  # output
    assert "another sweep" in capsys.readouterr().err
    assert sorted(p.name for p in (out / "results").iterdir()) == parts


@pytest.mark.slow
def test_unreachable_scheduler(scen, tmp_path, capsys):
    assert main(["sweep", str(scen), "-o", str(tmp_path / "sw"), "-n", "2", "--scheduler", "tcp://127.0.0.1:9"]) == 3
    err = capsys.readouterr().err.strip()
    assert "cannot reach the Dask scheduler" in err and "\n" not in err


def test_report_of_a_folder_without_sweep(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 3  # an input error: the folder holds no sweep
    assert "no sweep.json" in capsys.readouterr().err
