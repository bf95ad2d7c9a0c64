"""A command line that scripts well (issue 11, item 5): ``--json`` documents, ``--set``/``--seed``
overrides, ``--quiet``, exit codes that tell usage, input, output, resource and internal errors
apart, tables that do not wrap when piped, and plain progress lines when stderr is not a terminal."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

import iadsim.cli.main as cli
from iadsim.cli.main import PROGRESS_LINE, main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "turkey-2019" / "scenario.yaml"
BROKEN = ROOT / "tests" / "data" / "broken"


def run_cli(*args: str, columns: int = 200) -> subprocess.CompletedProcess:
    """The CLI in a subprocess whose stdout and stderr are pipes (not terminals)."""
    env = dict(os.environ, COLUMNS=str(columns), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "iadsim", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def _lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip() and not re.match(PROGRESS_LINE, ln)]


# ----------------------------------------------------------------------------- --json
def test_validate_json_summary(capsys):
    assert main(["validate", str(DEMO), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["radars"] == 3 and data["launchers"] == 8 and data["sites"] == 1
    assert {d["radar"] for d in data["dem_coverage"]} == {"91N6E", "92N6E", "96L6E"}
    assert all(d["fraction"] == pytest.approx(1.0) for d in data["dem_coverage"])
    assert "coverage on" in data["estimate"]["summary"] and data["estimate"]["peak_memory_bytes"] > 0


def test_validate_json_on_a_broken_scenario_is_a_located_error_exit_3(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nsites:\n  - {name: A, lat_deg: 123, lon_deg: 32, radars: [{equipment: 92N6E}]}\n")
    res = run_cli("validate", "--json", str(path))
    assert res.returncode == 3
    err = json.loads(res.stdout)["error"]
    assert err["file"] == str(path) and err["line"] == 3 and isinstance(err["column"], int)
    assert err["field"] == "sites[0].lat_deg" and err["kind"] == "scenario" and err["exit_code"] == 3
    assert err["message"] and "\n" not in err["message"]
    lines = _lines(res.stderr)  # the human line too, on stderr
    assert len(lines) == 1 and f"{path}:3:" in lines[0] and "Traceback" not in res.stderr


def test_catalog_json(capsys):
    assert main(["catalog", "list", "--kind", "radar", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)["entries"]
    assert {"91N6E", "92N6E", "96L6E"} <= {e["name"] for e in entries} and {e["kind"] for e in entries} == {"radar"}
    assert all(isinstance(n, int) for e in entries for n in e["grades"].values())
    assert main(["catalog", "show", "92N6E", "--json"]) == 0
    show = json.loads(capsys.readouterr().out)
    assert show["name"] == "92N6E" and show["kind"] == "radar" and show["figures"]
    cited = {s for f in show["figures"] for s in f["sources"]}
    assert cited and cited == {s["id"] for s in show["sources"]}
    assert main(["catalog", "sources", "--json"]) == 0
    sources = json.loads(capsys.readouterr().out)["sources"]
    assert any("92N6E" in s["cited_by"] for s in sources) and all(s["grade"] for s in sources)


def test_job_json_summaries_coverage_and_run(tmp_path, scen_a, capsys):
    out = tmp_path / "cov"
    assert main(["coverage", str(scen_a), "-o", str(out), "--no-figures", "--json"]) == 0
    captured = capsys.readouterr()
    cov = json.loads(captured.out)
    assert cov["job"] == "coverage" and cov["out_dir"] == str(out) and cov["report"] == str(out / "report.html")
    assert cov["files"] == len(json.loads((out / "manifest.json").read_text())["run_files"])
    rings = {(r["product"], r["radar"]) for r in cov["range_rings"]}
    assert ("engagement", "site") in rings and all(r["reach_median_km"] >= 0 for r in cov["range_rings"])
    assert not re.search(PROGRESS_LINE, captured.err, re.M)  # --json: no progress either
    out = tmp_path / "run"
    assert main(["run", str(scen_a), "-o", str(out), "--no-figures", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    metrics = json.loads((out / "metrics.json").read_text())
    assert run["battle"]["killed"] == metrics["battle"]["killed"] and run["battle"]["threats"] == 3
    assert run["tracking"]["confirmed_tracks"] == metrics["tracking"]["confirmed_tracks"]
    assert run["seed"] == 11 and run["tracking_skipped"] is None and run["out_dir"] == str(out)


def test_job_json_error_on_stdout(tmp_path, scen_a, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["coverage", str(scen_a), "-o", str(out), "--json"]) == 4
    err = json.loads(capsys.readouterr().out)["error"]
    assert err["kind"] == "output" and err["file"] == str(out) and "--overwrite" in err["message"]


# ----------------------------------------------------------------------------- --set, --seed
def test_set_and_seed_reach_the_run(tmp_path, scen_a, capsys):
    out = tmp_path / "o"
    argv = ["track", str(scen_a), "-o", str(out), "--no-figures", "--json", "--seed", "5",
            "--set", "sites[S].radars[0].revisit_s=3.0", "--set", "threats[F].count=2"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["seed"] == 5 and data["overrides"] == argv[-3::2]
    assert json.loads((out / "manifest.json").read_text())["seed"] == 5
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["seed"] == 5 and [r["revisit_s"] for r in metrics["radars"] if r["equipment"] == "92N6E"] == [3.0]
    assert data["tracking"]["threats"] == 2


def test_overrides_apply_on_top_of_the_file(scen_a):
    loaded = cli.load_with_overrides(scen_a, ["engagement.salvo_size=1", "sites[S].radars[1].mast_m=33"], seed=9)
    sc = loaded.scenario
    assert sc.engagement.salvo_size == 1 and sc.sites[0].radars[1].mast_m == 33 and sc.run.seed == 9
    assert cli.load_with_overrides(scen_a).scenario.engagement.salvo_size == 2  # the file is untouched


@pytest.mark.parametrize("override, expect", [
    ("engagement.salvo_sise=1", "did you mean 'salvo_size'"),
    ("sites[Nowhere].radars[0].mast_m=40", "Nowhere"),
    ("engagement.salvo_size", "PATH=VALUE"),
    ("sites[S].radars[0].mast_m=tall", "sites[0].radars[0].mast_m"),
    ("engagement.salvo_size=[1", "not valid YAML"),
])
def test_bad_overrides_are_one_line_input_errors(scen_a, capsys, override, expect):
    assert main(["validate", str(scen_a), "--set", override]) == 3
    lines = _lines(capsys.readouterr().err)
    assert len(lines) == 1 and expect in lines[0] and "Traceback" not in lines[0], lines


def test_negative_seed_is_a_usage_error(scen_a):
    res = run_cli("validate", str(scen_a), "--seed", "-1")
    assert res.returncode == 2 and "Traceback" not in res.stderr


# ----------------------------------------------------------------------------- --quiet
def test_quiet_prints_only_the_final_line(tmp_path, scen_a):
    out = tmp_path / "q"
    res = run_cli("coverage", str(scen_a), "-o", str(out), "--no-figures", "--quiet")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    lines = res.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("wrote ") and str(out) in lines[0]


def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(tmp_path, scen_a):
    res = run_cli("coverage", str(scen_a), "-o", str(tmp_path / "p"), "--no-figures")
    assert res.returncode == 0, res.stderr
    progress = [ln for ln in res.stderr.splitlines() if re.match(PROGRESS_LINE, ln)]
    assert any("compiling the scenario" in ln for ln in progress) and any("writing" in ln for ln in progress)
    assert len({ln.split("%", 1)[1].split(":")[0] for ln in progress}) >= 3  # a line at each phase
    assert "\r" not in res.stderr and "\x1b" not in res.stderr  # no bar redraws, no escape codes


# ----------------------------------------------------------------------------- progress units
def test_plain_progress_prints_at_phase_changes_and_every_few_seconds(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(cli, "_clock", lambda: now[0])
    buf = io.StringIO()
    plain = cli.PlainProgress(Console(file=buf, width=300, color_system=None), every_s=5.0)
    plain("tracking: scan 1/40", 0.0)        # new phase: printed
    now[0] += 2.0
    plain("tracking: scan 10/40", 0.25)      # same phase, 2 s later: not printed
    plain.tick()                             # heartbeat before 5 s: nothing
    now[0] += 4.0
    plain.tick()                             # 6 s since the last line: the current state
    plain("battle: 46 threats × 10 steps", 0.0)  # new phase
    lines = buf.getvalue().splitlines()
    assert lines == ["[0:00:00]   0% tracking: scan 1/40", "[0:00:06]  25% tracking: scan 10/40",
                     "[0:00:06]   0% battle: 46 threats × 10 steps"]
    assert all(re.match(PROGRESS_LINE, ln) for ln in lines)


def test_terminal_progress_shows_percentage_and_eta(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=buf, force_terminal=True, width=200, color_system=None))
    with cli.progress_reporter() as report:
        report("tracking: scan 20/40", 0.5)
        cli.err_console.print("marker")
    text = buf.getvalue()
    assert "50%" in text and "ETA" in text and "tracking: scan 20/40" in text


def test_quiet_reporter_prints_nothing(monkeypatch):
    buf = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=buf, width=200, color_system=None))
    with cli.progress_reporter(quiet=True) as report:
        report("tracking: scan 1/2", 0.5)
    assert buf.getvalue() == ""


# ----------------------------------------------------------------------------- tables
def test_piped_tables_do_not_wrap_at_a_narrow_width():
    from iadsim.catalog import load_catalog

    res = run_cli("catalog", "sources", columns=40)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    cat = load_catalog()
    for sid, src in cat.sources.items():  # each source on one line: id, publisher and date together
        assert any(sid in ln and src.publisher in ln and src.date in ln for ln in lines), sid
    assert max(len(ln) for ln in lines) > 40


# ----------------------------------------------------------------------------- exit codes
def test_help_documents_the_exit_codes():
    res = run_cli("--help")
    text = " ".join(res.stdout.split())
    assert res.returncode == 0
    for part in ("0 ok", "1 internal error", "2 usage error", "3 input error", "4 output error",
                 "5 resource refusal"):
        assert part in text, part


@pytest.mark.parametrize("args, code", [
    (["validate", "--no-such-option", "x.yaml"], 2),        # usage
    (["frobnicate"], 2),                                     # usage
    (["validate", "{tmp}/missing.yaml"], 3),                 # input
    (["schema", "-o", "{tmp}"], 4),                          # output (a folder in the way)
    (["validate", str(BROKEN / "ten_metre_cells_3000_km.yaml")], 5),  # resource refusal
])
def test_exit_codes(tmp_path, args, code):
    res = run_cli(*[a.format(tmp=tmp_path) for a in args])
    assert res.returncode == code, res.stderr
    assert "Traceback" not in res.stderr


def test_usage_error_with_json_is_exit_2_with_a_json_error():
    res = run_cli("catalog", "list", "--kind", "tank", "--json")
    assert res.returncode == 2 and json.loads(res.stdout)["error"]["kind"] == "usage"
    assert "--kind" in res.stderr and "Traceback" not in res.stderr


def test_internal_error_is_exit_1_with_a_log_file_or_debug_traceback(monkeypatch, capsys):
    import iadsim.catalog as catalog

    def boom(*a, **k):
        raise ZeroDivisionError("deliberate")

    monkeypatch.setattr(catalog, "load_catalog", boom)
    monkeypatch.delenv("IADSIM_DEBUG", raising=False)
    assert main(["catalog", "list"]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err
    log = Path(re.search(r"traceback in (\S+\.log)", err).group(1))
    assert "ZeroDivisionError: deliberate" in log.read_text() and "Traceback" in log.read_text()
    log.unlink()
    assert main(["--debug", "catalog", "list", "--json"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" in captured.err and "ZeroDivisionError" in captured.err
    assert json.loads(captured.out)["error"]["kind"] == "internal"
