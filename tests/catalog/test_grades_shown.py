"""Reliability grades reach the user: ``iadsim catalog show`` and the report's equipment and sources table."""

from __future__ import annotations

import re
from types import SimpleNamespace

from iadsim.catalog import load_catalog
import iadsim.cli.main as cli_main
from iadsim.cli.main import main
from iadsim.report.coverage_report import provenance_sections
from iadsim.scenario import parse_scenario
from iadsim.world import compile_world

SCENARIO = """\
name: grades
sites:
  - name: S
    lat_deg: 40.0
    lon_deg: 32.5
    radars: [{equipment: 92N6E, mast_m: 20}]
    launchers: [{equipment: 5P85SE2, count: 1, load: {48N6E3: 4}}]
threats:
  - name: F
    class: lo_fighter
    route:
      - {lat_deg: 41.0, lon_deg: 32.5, alt_m: 8000, speed_mps: 250}
      - {lat_deg: 40.1, lon_deg: 32.5, alt_m: 8000, speed_mps: 250}
"""


def _show(name: str, capsys, monkeypatch) -> str:
    monkeypatch.setattr(cli_main.console, "width", 400)  # no folding inside table cells
    assert main(["catalog", "show", name]) == 0
    return capsys.readouterr().out


def test_catalog_show_prints_each_source_with_its_grade(capsys, monkeypatch):
    cat = load_catalog()
    for name in ("92N6E", "48N6E3", "lo_fighter", "5P85SE2"):
        out = _show(name, capsys, monkeypatch)
        cited = {sid for _, fig in cat.figures(name) for sid in fig.sources}
        for sid in cited:
            src = cat.sources[sid]
            # in the figure table (id [letter]) and in the source list (letter with its meaning and reason)
            assert f"{sid} [{src.reliability}]" in out, (name, sid)
            line = next(ln for ln in out.splitlines() if ln.startswith(f"{sid} ["))
            assert src.grade in line, (name, sid)
        assert "Admiralty" in out


def test_catalog_show_92N6E_state_media_graded_D(capsys, monkeypatch):
    out = _show("92N6E", capsys, monkeypatch)
    assert re.search(r"peopledaily_fr_s400 \[D \(not usually reliable\)\]", out)
    assert "skolnik_2001 [A (completely reliable)]" in out and "ISBN 0-07-290980-3" in out


def test_report_sources_table_carries_grades():
    cat = load_catalog()
    world = compile_world(parse_scenario(SCENARIO, "g.yaml", catalog=cat), cat)
    html = "".join(provenance_sections(SimpleNamespace(world=world)))
    assert "<th class='l'>reliability</th>" in html
    for sid in ("peopledaily_fr_s400", "skolnik_2001", "twz_2019_40n6"):
        src = cat.sources[sid]
        assert f"({src.date}) [{src.reliability}]" in html, sid
        assert src.grade in html, sid


def test_catalog_list_and_sources_show_grades(capsys, monkeypatch):
    monkeypatch.setattr(cli_main.console, "width", 400)
    cat = load_catalog()
    assert main(["catalog", "list", "--kind", "radar"]) == 0
    out = capsys.readouterr().out
    row = next(ln for ln in out.splitlines() if "92N6E" in ln)
    assert re.search(r"A\d+ .*D\d+", row)  # textbooks and state media both behind the 92N6E figures
    assert main(["catalog", "sources"]) == 0
    out = capsys.readouterr().out
    for sid, src in cat.sources.items():
        line = next(ln for ln in out.splitlines() if f" {sid} " in ln)
        assert f" {src.reliability} " in line, sid
    assert "92N6E" in next(ln for ln in out.splitlines() if " baotintuc_2018_08_30 " in ln)
