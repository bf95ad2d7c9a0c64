"""The command line under faults (issue 10, item 4): OS errors and odd paths are one line and exit 3
(a path to read) or 4 (a path to write);
user strings with rich markup are printed literally after a run that exits 0; ``--overwrite``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from iadsim.cli.main import PROGRESS_LINE, main


def _err_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip() and not re.match(PROGRESS_LINE, ln)]
    assert len(lines) == 1 and "Traceback" not in err and "internal error" not in err, err
    return lines[0]


def test_markup_in_scenario_name_and_path_is_printed_literally(tmp_path, h):
    folder = tmp_path / "d[/]x"
    scen = h.write_scenario(folder, "x [/] [bold]y [red]", file="s[bold].yaml")
    out = folder / "o[/]"
    env = dict(os.environ, COLUMNS="400", NO_COLOR="1")
    for args in (["validate", str(scen)], ["coverage", str(scen), "-o", str(out), "--no-figures"]):
        res = subprocess.run([sys.executable, "-m", "iadsim", *args], capture_output=True, text=True, env=env,
                             timeout=300)
        assert res.returncode == 0, res.stderr
        assert "error" not in res.stderr
        assert str(scen if args[0] == "validate" else out) in res.stdout
    res = subprocess.run([sys.executable, "-m", "iadsim", "validate", str(scen)], capture_output=True, text=True,
                         env=env, timeout=300)
    assert "'x [/] [bold]y [red]'" in res.stdout


def test_rerun_of_another_scenario_needs_overwrite_and_leaves_no_stale_files(tmp_path, scen_a, scen_b, h, capsys):
    out = tmp_path / "o"
    assert main(["run", str(scen_a), "-o", str(out), "--no-figures"]) == 0
    a_files = h.files_under(out)
    assert "tracks.parquet" in a_files and "events.parquet" in a_files
    capsys.readouterr()
    assert main(["coverage", str(scen_b), "-o", str(out), "--no-figures"]) == 4
    line = _err_line(capsys)
    assert str(out) in line and "another scenario" in line and "--overwrite" in line
    assert h.files_under(out) == a_files
    assert main(["coverage", str(scen_b), "-o", str(out), "--no-figures", "--overwrite"]) == 0
    b_files = h.files_under(out)
    assert not (a_files & b_files) - {"manifest.json", "report.html", "range_ring_summary.csv",
                                      "range_ring_vs_physics.csv"} - {f for f in b_files if f.startswith("coverage/")}
    assert "tracks.parquet" not in b_files and "events.parquet" not in b_files
    m = json.loads((out / "manifest.json").read_text())
    assert m["complete"] is True and m["scenario"].endswith("B.yaml") and set(m["run_files"]) == b_files


def test_a_users_report_html_is_refused(tmp_path, scen_a, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "report.html").write_text("<p>mine</p>")
    assert main(["track", str(scen_a), "-o", str(out), "--no-figures"]) == 4
    assert "not an iadsim run" in _err_line(capsys)
    assert (out / "report.html").read_text() == "<p>mine</p>"


@pytest.mark.parametrize("make, args, expect, code", [
    (lambda t: (t / "sdir").mkdir(), ["validate", "{t}/sdir"], "is a directory", 3),
    (lambda t: None, ["coverage", "{scen}", "-o", "{t}/" + "n" * 300], "at most 255", 4),
    (lambda t: None, ["coverage", "{scen}", "-o", "~nosuchuser-iadsim/o"], "'~user' is unknown", 4),
    (lambda t: (t / "file").write_text("x"), ["coverage", "{scen}", "-o", "{t}/file"], "not a directory", 4),
    (lambda t: (t / "x.yaml").write_text((t / "scen" / "A.yaml").read_text()
                                         + "environment: {dem: '~nosuchuser-iadsim/d.tif'}\n"),
     ["validate", "{t}/x.yaml"], "environment.dem: '~nosuchuser-iadsim/d.tif': the user in '~user' is unknown", 3),
    (lambda t: ((t / "demdir").mkdir(), (t / "x.yaml").write_text((t / "scen" / "A.yaml").read_text()
                                                                  + "environment: {dem: demdir}\n")),
     ["validate", "{t}/x.yaml"], "environment.dem: DEM path is a directory, expected a raster file", 3),
    (lambda t: (t / "outdir").mkdir(), ["schema", "-o", "{t}/outdir"], "Is a directory", 4),
])
def test_os_and_path_problems_are_one_line_exit_3_or_4(tmp_path, scen_a, capsys, monkeypatch, make, args, expect,
                                                       code):
    """A path to read is an input error (3); a path to write an output error (4)."""
    monkeypatch.chdir(tmp_path)
    make(tmp_path)
    argv = [a.format(t=tmp_path, scen=scen_a) for a in args]
    assert main(argv) == code
    assert expect in _err_line(capsys)


def test_an_unexpected_os_error_in_a_command_is_an_input_error_not_internal(tmp_path, monkeypatch, capsys):
    """An OSError that escapes a job (here from the catalog read) is a user-side problem: exit 3 (input),
    not 1 (internal)."""
    import iadsim.catalog as catalog

    def boom(*a, **k):
        raise PermissionError(13, "Permission denied", str(tmp_path / "catalog"))

    monkeypatch.setattr(catalog, "load_catalog", boom)
    assert main(["catalog", "list"]) == 3
    line = _err_line(capsys)
    assert "permission denied" in line and str(tmp_path / "catalog") in line


def test_disk_full_exit_4_on_a_small_tmpfs(small_tmpfs, scen_a, h):
    out = small_tmpfs / "run"
    env = dict(os.environ, COLUMNS="400", NO_COLOR="1")
    res = subprocess.run([sys.executable, "-m", "iadsim", "run", str(scen_a), "-o", str(out)], capture_output=True,
                         text=True, env=env, timeout=300)
    assert res.returncode == 4, res.stderr  # an output error
    lines = [ln for ln in res.stderr.splitlines() if ln.strip() and not re.match(PROGRESS_LINE, ln)]
    assert len(lines) == 1 and "no space left" in lines[0] and str(out) in lines[0]
    assert not h.looks_complete(out) and not out.exists() and h.hidden_leftovers(small_tmpfs) == []


def test_read_only_folder_exit_4(read_only_dir, scen_a, capsys):
    assert main(["coverage", str(scen_a), "-o", str(read_only_dir / "o"), "--no-figures"]) == 4
    assert "read-only" in _err_line(capsys)


def test_progress_messages_with_markup_render_literally_on_a_terminal(monkeypatch):
    """On a terminal the spinner renders each job message as rich text: a site or file name with
    ``[/]`` must show as written, not raise a MarkupError from the refresh thread."""
    import io

    from rich.console import Console

    import iadsim.cli.main as cli

    buf = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=buf, force_terminal=True, width=200,
                                                        color_system=None, highlight=False))
    for bar in (False, True):
        with cli.progress_reporter(bar=bar) as report:
            report("writing /tmp/x[/]y [bold]z", 0.5)
            cli.err_console.print(cli.lit("done [/]"))
    assert "writing /tmp/x[/]y [bold]z" in buf.getvalue() and "done [/]" in buf.getvalue()
