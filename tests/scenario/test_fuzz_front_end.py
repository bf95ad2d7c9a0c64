"""Hypothesis fuzzing of the whole input front end (issue 10): scenario text through the limited
YAML reader, the models, the cross-field checks, the DEM checks and the resource estimate —
exactly what ``iadsim validate`` runs. Whatever the text, the only exceptions are
``IadsimError``s, each one line. The strategies aim at the cases of issue 10: alias bombs, deep
nesting, booleans and strings as numbers, unbounded starts, crawling speeds, many layers, tiny
cells, clutter floods, over-loaded launchers, zero-length routes, huge names, VRT/URL DEMs."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iadsim.world.budget as budget
from iadsim.catalog import load_catalog
from iadsim.errors import IadsimError
from iadsim.scenario import parse_scenario
from iadsim.world.budget import preflight

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "data" / "broken"
CATALOG = load_catalog()

NUMBER = st.one_of(
    st.integers(min_value=-10**6, max_value=10**15).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: {float("inf"): ".inf", float("-inf"): "-.inf"}.get(f, ".nan" if f != f else repr(f))),
    st.sampled_from(["true", "false", "null", '"60"', "'1e5'", "1e5", "1.0e12", "0.001", "0", "-0", "[]", "{}",
                     "9" * 400, "*a", "&a 3", "!!str 4", "!tag 5"]),
)
NAME = st.one_of(st.sampled_from(["92N6E", "92N6X", "48N6E3", "5P85SE2", "fighter_4gen", "cruise_missile", "A"]),
                 st.integers(min_value=1, max_value=200_000).map(lambda n: "Q" * n),
                 st.text(max_size=20).map(lambda s: '"' + s.replace("\\", "").replace('"', "") + '"'))
KEY = st.sampled_from(["lat_deg", "lon_deg", "alt_m", "speed_mps", "speed_kmh", "enviroment", "count", "start_s"])
DEM = st.sampled_from([None, None, None, None, None, None, "../../../examples/turkey-2019/terrain/globe-ankara.tif", "passwd.vrt",
                       "vrt-in-disguise.tif", "not-a-raster.tif", "/vsicurl/http://127.0.0.1:9/x.tif",
                       "nowhere.tif", "~nosuchuser_iadsim/x.tif", "."])


@st.composite
def scenario_text(draw) -> str:
    # how often a field is drawn from NUMBER/NAME instead of a valid value: never … one field in three
    odds = draw(st.sampled_from([0, 0, 40, 12, 4]))

    def hostile() -> bool:
        return odds > 0 and draw(st.integers(min_value=1, max_value=odds)) == odds

    def n() -> str:
        return draw(NUMBER)

    def v(*valid: str) -> str:  # mostly a valid value, sometimes hostile
        return n() if hostile() else draw(st.sampled_from(valid))

    def name() -> str:
        return draw(NAME) if hostile() else draw(st.sampled_from(["A", "92N6E"]))
    load = v("{48N6E3: 4}", "{48N6E3: 2, 40N6E: 2}", "null", "{48N6E3: 4}", "null", "{48N6E3: 4, 40N6E: 4}")
    route = ", ".join(f"{{lat_deg: {v(f'{41.0 - 0.3 * k:.1f}', f'{41.0 - 0.3 * k:.1f}', '41.0')}, lon_deg: 32.5, "
                      f"alt_m: {v('5000', '6', '9000')}, speed_mps: "
                      f"{v('250', '880', '0.001', '300')}}}"
                      for k in range(draw(st.sampled_from([2, 2, 2, 3, 4, 0, 1]))))
    text = (
        f"name: {name()}\n"
        f"run: {{seed: {v('1')}, time_step_s: {v('1.0', '0.5')}"
        + (f", duration_s: {v('1800', '60')}" if draw(st.booleans()) else "") + "}\n"
        "sites:\n"
        f"  - name: A\n    lat_deg: {v('40.08')}\n    lon_deg: 32.56\n"
        f"    radars: [{{equipment: {v('92N6E', '91N6E')}, mast_m: 25}}]\n"
        f"    launchers: [{{equipment: 5P85SE2, count: {v('8', '1')}, load: {load}}}]\n"
        "threats:\n"
        f"  - name: T\n    class: {v('fighter_4gen', 'cruise_missile')}\n    count: {v('1', '1000', '20')}\n"
        f"    start_s: {v('0', '1.0e12', '100')}\n    route: [{route}]\n"
    )
    if draw(st.booleans()):
        layers = ["30", "1000", "5000"] * 22
        alts = ", ".join(layers[: draw(st.sampled_from([1, 5, 64, 65, 0]))] + ([n()] if hostile() else []))
        text += (f"coverage: {{altitudes_m: [{alts}], cell_m: {v('1000', '10', '500')}, "
                 f"max_range_km: {v('420', '3000')}}}\n")
    dem = draw(DEM)
    clutter = draw(st.sampled_from([None, None, "100000", "5"])) or (n() if hostile() else None)
    if dem or clutter:
        text += "environment:\n" + (f"  dem: {dem}\n" if dem else "") + \
            (f"  clutter: {{false_alarms_per_scan: {clutter}}}\n" if clutter else "")
    if hostile():
        text += f"{draw(KEY)}: {n()}\n"
    return text + draw(_hostile_tail())


@st.composite
def _hostile_tail(draw) -> str:
    kind = draw(st.sampled_from(["none"] * 12 + ["bomb", "nest", "nest_block", "merge"]))
    if kind == "bomb":
        levels = draw(st.integers(min_value=1, max_value=12))
        text = 'b0: &b0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        for i in range(1, levels + 1):
            text += f"b{i}: &b{i} [" + ",".join([f"*b{i - 1}"] * 9) + "]\n"
        return text
    if kind == "nest":
        d = draw(st.integers(min_value=1, max_value=2000))
        return "deep: " + "[" * d + "]" * d + "\n"
    if kind == "nest_block":
        d = draw(st.integers(min_value=1, max_value=700))
        return "deep:\n" + "".join(" " * (i + 1) + "-\n" for i in range(d)) + " " * (d + 1) + "- x\n"
    if kind == "merge":
        return draw(st.sampled_from(["m: {<<: {a: 1}}\n", "m: {<<: 3}\n", "m: {<<: [*nope]}\n"]))
    return ""


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=scenario_text())
def test_validate_raises_only_one_line_iadsim_errors(text):
    budget.available_memory_bytes = lambda: 16.0 * 2**30  # deterministic limits (restored below)
    try:
        loaded = parse_scenario(text, "fuzz.yaml", base_dir=BROKEN, catalog=CATALOG)
        preflight(loaded, CATALOG)
    except IadsimError as exc:
        msg = str(exc)
        assert "\n" not in msg and len(msg) < 1500, msg[:300]
    finally:
        budget.available_memory_bytes = _REAL_AVAILABLE


_REAL_AVAILABLE = budget.available_memory_bytes
