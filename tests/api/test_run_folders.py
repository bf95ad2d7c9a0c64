"""Run folders never mix or lose results (issue 10, item 6): staging folder renamed into place with
``manifest.json`` (``"complete": true``) written last; foreign or other-scenario folders refused unless
``overwrite``; OS and GDAL write errors as one-line :class:`OutputError` naming the file."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import iadsim.api.coverage as cov_mod
from iadsim.api import run_coverage, run_tracking
from iadsim.api._staging import run_folder
from iadsim.errors import IadsimError, OutputError


def _one_line(err: BaseException) -> str:
    text = str(err)
    assert "\n" not in text and text
    return text


def test_job_renames_a_complete_staging_folder_into_place(tmp_path, scen_a, h):
    out = tmp_path / "runs" / "a"
    run = run_coverage(scen_a, out, figures=False)
    assert run.out_dir == out.absolute() and run.report == out.absolute() / "report.html"
    assert all(p.is_file() and out.absolute() in p.parents for p in run.files)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True
    assert set(manifest["run_files"]) == h.files_under(out)
    assert run.manifest["complete"] is True and run.manifest["run_files"] == manifest["run_files"]
    assert h.hidden_leftovers(out.parent) == []


def test_same_scenario_rerun_replaces_the_folder_whole(tmp_path, scen_a, h):
    out = tmp_path / "a"
    run_tracking(scen_a, out, figures=True)
    assert (out / "tracks.parquet").is_file() and (out / "tracking" / "gospa.png").is_file()
    run_coverage(scen_a, out, figures=False)  # same scenario: accepted, replaced whole
    present = h.files_under(out)
    assert "tracks.parquet" not in present and not (out / "tracking").exists()
    assert present == set(json.loads((out / "manifest.json").read_text())["run_files"])


def test_other_scenario_refused_then_replaced_whole_with_overwrite(tmp_path, scen_a, scen_b, h):
    out = tmp_path / "a"
    run_tracking(scen_a, out, figures=False)
    before = {p: (out / p).read_bytes() for p in h.files_under(out)}
    with pytest.raises(OutputError) as ei:
        run_coverage(scen_b, out, figures=False)
    msg = _one_line(ei.value)
    assert str(out.absolute()) in msg and "another scenario" in msg and "--overwrite" in msg
    assert {p: (out / p).read_bytes() for p in h.files_under(out)} == before  # untouched
    run_coverage(scen_b, out, figures=False, overwrite=True)
    after = h.files_under(out)
    assert not (set(before) - {"manifest.json", "report.html"}) & after  # none of A's files remain
    assert "tracks.parquet" not in after
    assert json.loads((out / "manifest.json").read_text())["scenario"].endswith("B.yaml")


def test_user_files_are_never_overwritten_without_overwrite(tmp_path, scen_a):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "report.html").write_text("my own report")
    with pytest.raises(OutputError, match="not an iadsim run"):
        run_coverage(scen_a, mine, figures=False)
    assert (mine / "report.html").read_text() == "my own report"
    # a file of the user's added to an earlier run of the same scenario is protected too
    out = tmp_path / "run"
    run_coverage(scen_a, out, figures=False)
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError, match="notes.txt"):
        run_coverage(scen_a, out, figures=False)
    assert (out / "notes.txt").read_text() == "keep me"


def test_overwrite_never_replaces_the_folder_holding_the_scenario(tmp_path, scen_a):
    with pytest.raises(OutputError, match="holds the scenario"):
        run_coverage(scen_a, scen_a.parent, figures=False, overwrite=True)
    assert scen_a.is_file()


def test_disk_full_during_a_write_is_one_line_and_leaves_nothing_complete(tmp_path, scen_a, monkeypatch, h):
    """Fault injection: the GeoJSON writer fills the disk half-way through its file."""

    def full(result, out):
        p = Path(out) / "coverage" / "detection.geojson"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text('{"type": "Feat')
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(cov_mod, "write_geojson", full)
    out = tmp_path / "a"
    with pytest.raises(OutputError) as ei:
        run_coverage(scen_a, out, figures=False)
    msg = _one_line(ei.value)
    assert "no space left" in msg and str(out.absolute() / "coverage" / "detection.geojson") in msg
    assert not out.exists() and h.hidden_leftovers(tmp_path) == []


def test_gdal_write_error_is_one_line(tmp_path, scen_a, monkeypatch):
    from rasterio._err import CPLE_FileIOError

    def broken(site_cov, out):
        raise CPLE_FileIOError(3, 10, "Free disk space available is 0 bytes, whereas 8000 are at least necessary.")

    monkeypatch.setattr(cov_mod, "write_geotiffs", broken)
    with pytest.raises(OutputError) as ei:
        run_coverage(scen_a, tmp_path / "a", figures=False)
    assert "Free disk space" in _one_line(ei.value)
    assert not (tmp_path / "a").exists()


def test_a_raster_gdal_left_truncated_without_raising_is_caught(tmp_path, scen_a, monkeypatch, h):
    """GDAL does not raise when the disk fills while it flushes a GeoTIFF (seen on a 24 KiB tmpfs):
    the run reads every raster back and refuses to look complete."""
    real = cov_mod.write_geotiffs

    def truncating(site_cov, out):
        paths = real(site_cov, out)
        data = paths[-1].read_bytes()
        paths[-1].write_bytes(data[: len(data) // 3])
        return paths

    monkeypatch.setattr(cov_mod, "write_geotiffs", truncating)
    out = tmp_path / "a"
    with pytest.raises(OutputError) as ei:
        run_coverage(scen_a, out, figures=False)
    msg = _one_line(ei.value)
    assert "incomplete" in msg and str(out.absolute() / "coverage") in msg and msg.split(":")[0].endswith(".tif")
    assert not out.exists() and h.hidden_leftovers(tmp_path) == []


def test_real_disk_full_on_a_small_tmpfs(small_tmpfs, scen_a, h):
    out = small_tmpfs / "run"
    from iadsim.api import run_all

    with pytest.raises(OutputError) as ei:
        run_all(scen_a, out)
    msg = _one_line(ei.value)
    assert "no space left" in msg and str(out) in msg
    assert not out.exists() and h.hidden_leftovers(small_tmpfs) == []


def test_read_only_output_folder_mount(read_only_dir, scen_a):
    with pytest.raises(OutputError) as ei:
        run_coverage(scen_a, read_only_dir / "run", figures=False)
    assert "read-only" in _one_line(ei.value) and str(read_only_dir / "run") in str(ei.value)


def test_read_only_or_forbidden_folder_injected(tmp_path, scen_a, monkeypatch):
    real_mkdir = Path.mkdir

    def mkdir(self, *a, **k):
        if ".partial-" in self.name:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_mkdir(self, *a, **k)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(OutputError) as ei:
        run_coverage(scen_a, tmp_path / "run", figures=False)
    msg = _one_line(ei.value)
    assert "permission denied" in msg and str(tmp_path / "run") in msg and ".partial-" not in msg


@pytest.mark.parametrize("out, expect", [
    ("~nosuchuser-iadsim/run", "'~user' is unknown"),
    ("a" * 300, "expected at most 255"),
])
def test_bad_output_paths_are_one_line(tmp_path, scen_a, monkeypatch, out, expect):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(IadsimError) as ei:
        run_coverage(scen_a, out, figures=False)
    assert expect in _one_line(ei.value)


def test_a_file_where_the_output_folder_should_be(tmp_path, scen_a):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="not a directory"):
        run_coverage(scen_a, tmp_path / "f", figures=False)


def test_kill_minus_9_leaves_nothing_that_looks_complete_and_a_rerun_succeeds(tmp_path, scen_a, h):
    out = tmp_path / "runs" / "k"
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.Popen([sys.executable, "-m", "iadsim", "coverage", str(scen_a), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    staging = out.parent / f".k.partial-{proc.pid}"
    try:
        for _ in range(12000):  # poll for the staging folder (up to 2 min), then kill -9
            if staging.is_dir() or proc.poll() is not None:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the job ended before its staging folder was seen"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not h.looks_complete(out) and not out.exists()
    assert staging.exists()  # what a kill leaves behind: hidden, and not the target
    run = run_coverage(scen_a, out, figures=False)
    assert h.looks_complete(out) and run.out_dir == out.absolute()
    assert h.hidden_leftovers(out.parent) == []  # the dead run's staging folder was cleaned


def test_nested_jobs_write_into_one_staging_folder(tmp_path, scen_a, h):
    with run_folder(tmp_path / "x", _loaded(scen_a), job="t") as stage:
        assert stage.name.startswith(".x.partial-")
        run = run_coverage(scen_a, stage, figures=False)  # as run_all does: no second staging
        assert run.out_dir == stage
    assert h.looks_complete(tmp_path / "x") and (tmp_path / "x" / "range_ring_summary.csv").is_file()


def _loaded(path):
    from iadsim.scenario import load_scenario

    return load_scenario(path)
