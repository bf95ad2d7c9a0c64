"""The command line: helpful output, one-line errors with locations, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from iadsim.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "turkey-2019" / "scenario.yaml"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "iadsim", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def test_help_lists_commands_with_examples():
    res = run_cli("--help")
    assert res.returncode == 0
    for word in ("validate", "coverage", "catalog", "schema", "Examples"):
        assert word in res.stdout


def test_validate_demo(capsys):
    assert main(["validate", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert "ok" in out and "3 radar(s)" in out and "8 launcher(s)" in out


@pytest.mark.parametrize(
    "content, expect",
    [
        ("name: [broken\n", "not valid YAML"),
        ("name: x\nsites:\n  - {name: A, lat_deg: 123, lon_deg: 32, radars: [{equipment: 92N6E}]}\n",
         "sites[0].lat_deg"),
        ("name: x\nsites:\n  - {name: A, lat_deg: 40, lon_deg: 32, radars: [{equipment: S-500}]}\n",
         "unknown radar 'S-500'"),
    ],
)
def test_bad_scenarios_exit_3_with_one_line(tmp_path, content, expect):
    """An input error (exit 3) is not a usage error (exit 2)."""
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    res = run_cli("validate", str(path))
    assert res.returncode == 3
    assert "Traceback" not in res.stderr + res.stdout
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and expect in lines[0] and str(path) in lines[0], res.stderr


def test_missing_file_and_usage_errors(tmp_path):
    res = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert res.returncode == 3 and "file not found" in res.stderr and "Traceback" not in res.stderr
    res = run_cli("frobnicate")
    assert res.returncode == 2 and "No such command" in res.stderr


def test_schema_prints_json(capsys, tmp_path):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "properties" in schema
    out = tmp_path / "s.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["title"] == "iadsim scenario"


def test_catalog_list_and_show(capsys):
    assert main(["catalog", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("91N6E", "92N6E", "96L6E", "48N6E3", "40N6E", "lo_fighter", "cruise_missile"):
        assert name in out
    assert main(["catalog", "show", "92N6E"]) == 0
    out = capsys.readouterr().out
    assert "http" in out  # sources are printed with their URLs


def test_catalog_unknown_name_suggests(capsys):
    assert main(["catalog", "show", "92N6"]) == 3
    err = capsys.readouterr().err
    assert "92N6E" in err


def test_catalog_bad_kind():
    res = run_cli("catalog", "list", "--kind", "tank")
    assert res.returncode == 2 and "Traceback" not in res.stderr
