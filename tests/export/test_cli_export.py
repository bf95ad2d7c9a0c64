"""``iadsim export``: every format from the command line; user mistakes are one line and exit 2."""

from __future__ import annotations

import json

import pytest

from iadsim.cli.main import main


def _one_line_error(capsys) -> str:
    cap = capsys.readouterr()
    err = cap.err.strip()
    assert "\n" not in err and err.startswith("error:") and "Traceback" not in cap.err + cap.out, cap.err
    return err


@pytest.mark.parametrize("fmt,name", [("kml", "o.kml"), ("kmz", "o.kmz"), ("czml", "o.czml"), ("gpkg", "o.gpkg"),
                                      ("geoparquet", "o")])
def test_export_each_format(small_run, tmp_path, capsys, fmt, name):
    out = tmp_path / name
    assert main(["export", str(small_run.dir), "--format", fmt, "-o", str(out)]) == 0
    assert out.exists() and (any(out.iterdir()) if out.is_dir() else out.stat().st_size > 0)
    assert "wrote" in capsys.readouterr().out


def test_default_output_is_beside_the_run_folder(small_run, capsys):
    target = small_run.dir.parent / f"{small_run.dir.name}.czml"
    assert main(["export", str(small_run.dir), "--format", "CZML"]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))[0]["id"] == "document"
    target.unlink()


def test_unknown_format_is_a_usage_error_exit_2(small_run, tmp_path, capsys):
    """A bad option value is a usage error (exit 2) reported by the CLI's usage message, like any
    other bad option; no traceback, and the message names the option and the known formats."""
    assert main(["export", str(small_run.dir), "--format", "shp", "-o", str(tmp_path / "x")]) == 2
    cap = capsys.readouterr()
    err = " ".join(cap.err.replace("│", " ").split())
    assert "Traceback" not in cap.err + cap.out
    assert "'--format'" in err and "unknown export format 'shp'" in err and "kml, kmz, czml, gpkg, geoparquet" in err


def test_missing_run_folder_is_one_line_exit_3(tmp_path, capsys):
    missing = tmp_path / "nope"
    assert main(["export", str(missing), "--format", "kml", "-o", str(tmp_path / "x.kml")]) == 3
    err = _one_line_error(capsys)
    assert str(missing) in err and "run folder not found" in err


def test_folder_that_is_not_a_run_is_one_line_exit_3(tmp_path, capsys):
    (tmp_path / "notarun").mkdir()
    (tmp_path / "notarun" / "x.txt").write_text("hello")
    assert main(["export", str(tmp_path / "notarun"), "-f", "gpkg", "-o", str(tmp_path / "x.gpkg")]) == 3
    assert "not an iadsim run folder (no manifest.json)" in _one_line_error(capsys)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{not json")
    assert main(["export", str(tmp_path / "bad"), "-f", "kml", "-o", str(tmp_path / "y.kml")]) == 3
    assert "manifest.json is not readable JSON" in _one_line_error(capsys)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "manifest.json").write_text('{"name": "something else"}')
    assert main(["export", str(tmp_path / "other"), "-f", "kml", "-o", str(tmp_path / "z.kml")]) == 3
    assert "not an iadsim run manifest" in _one_line_error(capsys)
    assert not any((tmp_path / n).exists() for n in ("x.gpkg", "y.kml", "z.kml"))


def test_export_help_has_an_example(capsys):
    assert main(["export", "--help"]) == 0
    out = capsys.readouterr().out
    assert "iadsim export" in out and "kmz" in out
