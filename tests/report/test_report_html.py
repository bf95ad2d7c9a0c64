"""The one report of ``iadsim run`` (Jinja2 templates): opens with the findings, is self-contained,
has the class/altitude map selector and the methodology table, and shows no Python values."""

from __future__ import annotations

import re

import pytest

from iadsim.cli.main import main
from iadsim.report.html import display, table

from ..conftest import small_scenario_yaml

SCENARIO = small_scenario_yaml("report test", run="{seed: 5, time_step_s: 2}", launchers=1, load=1, altitudes="[100, 5000]",
                               radars="[{equipment: 92N6E, mast_m: 20}, {equipment: 91N6E, mast_m: 10}]",
                               engagement="{doctrine: salvo, salvo_size: 1}")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("rep")
    (d / "s.yaml").write_text(SCENARIO)
    assert main(["run", str(d / "s.yaml"), "-o", str(d / "out")]) == 0
    return d / "out", (d / "out" / "report.html").read_text()


def visible(html: str) -> str:
    """The page without embedded images and scripts."""
    html = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    return re.sub(r"<script>.*?</script>", "", html, flags=re.S)


def test_no_python_values_on_the_page(report):
    text = visible(report[1])
    for word in ("None", "True", "False", "nan"):
        assert not re.search(rf"\b{word}\b", text), (word, text[max(0, text.find(word) - 200):text.find(word) + 50])


def test_opens_with_the_findings_and_names_why_threats_leaked(report):
    html = report[1]
    assert html.find("<h2>Findings</h2>") < html.find("<h2>Battle outcome</h2>") < html.find("Range ring vs physics")
    block = html[html.find("<h2>Findings</h2>"):html.find("</section>")]
    assert "Of 3 threats" in block
    if "leaked (" in block:  # one round for three fighters: a leaker has a reason
        assert re.search(r"(missed|out of reach|magazine empty|never engaged)", block)


def test_self_contained_no_network(report):
    """Nothing is loaded from elsewhere: every src is a data URI; no stylesheet link, import or url();
    (links to the cited sources are plain anchors, followed only if the reader clicks)."""
    html = report[1]
    srcs = re.findall(r"""\bsrc\s*=\s*['"]([^'"]*)""", html)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "<link " not in html and "@import" not in html and "url(" not in html


def test_coverage_selector_switches_between_embedded_layer_maps(report):
    out, html = report
    layers = sorted(p.name for p in (out / "maps" / "layers").glob("*.png"))
    assert layers == ["S_fighter_4gen_100-m-AGL.png", "S_fighter_4gen_5000-m-AGL.png"]
    sel = html[html.find("<h2>Coverage maps</h2>"):]
    assert sel.count("class='layer'") == 2 and "data-alt='5000 m AGL'" in sel and "addEventListener" in sel


def test_methodology_lists_value_spread_and_graded_source(report):
    html = report[1]
    meth = html[html.find("<h2>Equipment and sources</h2>"):]
    assert "<th class=''>value</th>" in meth and "<th class='l'>spread</th>" in meth
    assert re.search(r"\) \[[A-F]\]", meth)  # "(date) [grade]" after each source


def test_display_and_table_never_show_python_values():
    assert display(None) == "" and display(True) == "yes" and display(False) == "no" and display(0.5) == "0.5"
    html = table([{"a": None, "b": True, "c": "<x>"}], left=("a",))
    assert "None" not in html and "True" not in html and "&lt;x&gt;" in html and "<td class=''>yes</td>" in html
