"""Scenario files: the demo validates, and bad input gets one line naming file, line and field."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iadsim.catalog import load_catalog
from iadsim.errors import IadsimError, ScenarioError
from iadsim.scenario import json_schema, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "turkey-2019" / "scenario.yaml"
DEMO_TEXT = DEMO.read_text(encoding="utf-8")
DEMO_DATA = yaml.safe_load(DEMO_TEXT)

MINIMAL = """\
name: minimal
sites:
  - name: A
    lat_deg: 40.0
    lon_deg: 32.5
    radars:
      - equipment: 92N6E
threats:
  - name: T
    class: fighter_4gen
    route:
      - {lat_deg: 41.0, lon_deg: 32.5, alt_m: 5000, speed_mps: 250}
      - {lat_deg: 40.0, lon_deg: 32.5, alt_m: 5000, speed_mps: 250}
"""


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def parse(text: str, catalog) -> object:
    return parse_scenario(text, "s.yaml", base_dir=DEMO.parent, catalog=catalog)


def test_demo_scenario_validates(catalog):
    loaded = load_scenario(DEMO, catalog)
    sc = loaded.scenario
    assert sc.sites[0].name == "Murted"
    assert {r.equipment for r in sc.sites[0].radars} == {"91N6E", "92N6E", "96L6E"}
    assert loaded.dem_path is not None and loaded.dem_path.is_file()
    # the cruise missiles fly terrain-following at 30–50 m above ground, as the issue asks
    cm = [t for t in sc.threats if t.threat_class == "cruise_missile"]
    assert cm and all(w.alt_ref.value == "agl" and 30 <= w.alt_m <= 50 for t in cm for w in t.route)


def test_minimal_scenario_defaults(catalog):
    sc = parse(MINIMAL, catalog).scenario
    assert sc.environment.k_factor == pytest.approx(4 / 3)
    assert sc.run.seed == 0
    assert sc.threat_classes_for_coverage() == ["fighter_4gen"]


@pytest.mark.parametrize(
    "old, new, where, expect",
    [
        ("lat_deg: 40.0", "lat_deg: 95.0", "s.yaml:4:14: sites[0].lat_deg", "less than or equal to 90"),
        ("equipment: 92N6E", "equipment: 92N6X", "s.yaml:7:20: sites[0].radars[0].equipment", "unknown radar '92N6X'"),
        ("equipment: 92N6E", "equipment: 48N6E3", "sites[0].radars[0].equipment", "is not a radar"),
        ("class: fighter_4gen", "class: f16", "s.yaml:10:12: threats[0].class", "unknown threat"),
        ("speed_mps: 250}\n      - {lat_deg: 40.0", "speed_mps: -250}\n      - {lat_deg: 40.0",
         "threats[0].route[0].speed_mps", "greater than 0"),
        ("name: minimal\n", "", "s.yaml:1:1: name", "required field is missing"),
        ("lon_deg: 32.5\n", "lon_deg: 32.5\n    colour: red\n", "sites[0].colour", "unknown field"),
        ("lat_deg: 40.0", "lat_deg: .nan", "sites[0].lat_deg", "finite"),
        ("lat_deg: 40.0", "lat_deg: forty", "sites[0].lat_deg", "expected a number, got the text 'forty'"),
    ],
)
def test_bad_input_names_the_place(catalog, old, new, where, expect):
    assert old in MINIMAL
    with pytest.raises(ScenarioError) as info:
        parse(MINIMAL.replace(old, new, 1), catalog)
    msg = str(info.value)
    assert where in msg and expect in msg, msg
    assert "\n" not in msg


def test_launcher_must_carry_its_load(catalog):
    text = MINIMAL.replace(
        "      - equipment: 92N6E\n",
        "      - equipment: 92N6E\n    launchers:\n      - {equipment: 5P85SE2, count: 2, load: {9M96E: 4}}\n",
    )
    launcher = catalog.launcher("5P85SE2")
    if "9M96E" in {ld.missile for ld in launcher.loads}:
        pytest.skip("this catalog's 5P85SE2 carries 9M96E")
    with pytest.raises(ScenarioError, match=r"does not carry '9M96E'"):
        parse(text, catalog)


def test_missing_dem_is_named(catalog, tmp_path):
    text = MINIMAL + "environment:\n  dem: nowhere/srtm.tif\n"
    with pytest.raises(ScenarioError, match=r"s.yaml:\d+:\d+: environment.dem: DEM file not found"):
        parse(text, catalog)


def test_duplicate_names_rejected(catalog):
    text = MINIMAL + "defended_assets:\n  - {name: X, lat_deg: 1, lon_deg: 1}\n  - {name: X, lat_deg: 2, lon_deg: 2}\n"
    with pytest.raises(ScenarioError, match="two defended_assets are named 'X'"):
        parse(text, catalog)


def test_schema_is_json_and_names_the_fields():
    schema = json_schema()
    text = json.dumps(schema)
    for field in ("lat_deg", "speed_mps", "alt_ref", "k_factor", "altitudes_m", "mast_m"):
        assert field in text
    assert schema["title"] == "iadsim scenario"


# ----------------------------------------------------------------------------- fuzzing
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(DEMO_DATA) if p]


def _mutate(data, path, action, junk):
    data = copy.deepcopy(data)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete":
        if isinstance(parent, list):
            parent.pop(last)
        else:
            parent.pop(last)
    elif action == "replace":
        parent[last] = junk
    elif action == "negate" and isinstance(parent[last], (int, float)) and not isinstance(parent[last], bool):
        parent[last] = -parent[last] - 1
    elif action == "rename" and isinstance(parent, dict):
        parent[str(last) + "_x"] = parent.pop(last)
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    else:
        parent[last] = junk
    return data


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(PATHS),
    action=st.sampled_from(["delete", "replace", "negate", "rename", "duplicate"]),
    junk=JUNK,
)
def test_mutated_scenarios_load_or_fail_cleanly(path, action, junk):
    """1,000 mutated versions of the demo scenario: each loads or raises a one-line ScenarioError."""
    catalog = load_catalog()
    data = _mutate(DEMO_DATA, path, action, junk)
    try:
        text = yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        return
    try:
        parse_scenario(text, "fuzz.yaml", base_dir=DEMO.parent, catalog=catalog)
    except ScenarioError as exc:
        msg = str(exc)
        assert msg.startswith("fuzz.yaml") and "\n" not in msg


@settings(max_examples=300, deadline=None)
@given(pos=st.integers(min_value=0, max_value=len(DEMO_TEXT)), cut=st.integers(min_value=0, max_value=8),
       insert=st.text(alphabet=st.characters(codec="utf-8"), max_size=6))
def test_textually_damaged_scenarios_fail_cleanly(pos, cut, insert):
    """Raw text damage (cut and inserted characters) never escapes as anything but an IadsimError."""
    catalog = load_catalog()
    text = DEMO_TEXT[:pos] + insert + DEMO_TEXT[pos + cut:]
    try:
        parse_scenario(text, "damaged.yaml", base_dir=DEMO.parent, catalog=catalog)
    except IadsimError as exc:
        assert "\n" not in str(exc)


def test_fuzz_baseline_loads(catalog):
    """The fuzzers start from a scenario that loads once dumped back to YAML, so the mutations above
    are what makes a case fail, not the harness."""
    text = yaml.safe_dump(DEMO_DATA, allow_unicode=True)
    assert parse_scenario(text, "fuzz.yaml", base_dir=DEMO.parent, catalog=catalog).scenario.name


# ----------------------------------------------------------------------------- issue 10: validate checks
def test_demo_has_no_warnings(catalog):
    assert load_scenario(DEMO, catalog).warnings == ()


@pytest.mark.parametrize("old, new, where, expect", [
    ("alt_m: 5000, speed_mps: 250}\n      - {lat_deg: 40.0", "alt_m: 6, speed_mps: 250}\n      - {lat_deg: 40.0",
     "s.yaml:12:47: threats[0].route[0].alt_m", "6 m MSL is implausible for a fighter_4gen"),
    ("class: fighter_4gen", "class: cruise_missile",
     "s.yaml:12:64: threats[0].route[0].speed_mps", "250 m/s"),  # 250 is fine for a cruise missile …
])
def test_implausible_altitude_or_speed_is_a_located_warning(catalog, old, new, where, expect):
    loaded = parse(MINIMAL.replace(old, new, 1), catalog)
    if "cruise" in new:
        assert not any("speed_mps" in w for w in loaded.warnings)
        loaded = parse(MINIMAL.replace(old, new, 1).replace("speed_mps: 250", "speed_mps: 880"), catalog)
        expect = "880 m/s is implausible for a cruise_missile"  # … 880 (km/h typed as m/s) is not
    assert any(w.startswith(where) and expect in w for w in loaded.warnings), loaded.warnings


def test_group_members_starting_after_the_end_are_a_warning(catalog):
    text = MINIMAL.replace("    class: fighter_4gen\n", "    class: fighter_4gen\n    count: 10\n    spacing_s: 30\n")
    loaded = parse(text + "run: {duration_s: 200}\n", catalog)
    assert any("threats[0].spacing_s" in w and "3 of the 10 threats start at or after the end" in w
               for w in loaded.warnings), loaded.warnings


@pytest.mark.parametrize("load", ["{48N6E3: 4}", "{48N6E3: 2, 40N6E: 2}"])
def test_launcher_load_up_to_capacity_is_accepted(catalog, load):
    text = MINIMAL.replace("      - equipment: 92N6E\n",
                           f"      - equipment: 92N6E\n    launchers:\n      - {{equipment: 5P85SE2, load: {load}}}\n")
    assert parse(text, catalog).scenario.sites[0].launchers[0].load


def test_unknown_name_of_one_megabyte_is_quoted_briefly(catalog):
    with pytest.raises(ScenarioError) as info:
        parse(MINIMAL.replace("equipment: 92N6E", "equipment: " + "Z" * 1_000_000), catalog)
    msg = str(info.value)
    assert len(msg) < 400 and "1,000,000 characters" in msg


def test_strict_numbers_apply_to_fields_added_later():
    """Fields another module appends to a scenario model are strict too (shared base validator)."""
    from pydantic import ValidationError

    from iadsim.scenario.models import _Model

    class Appended(_Model):
        new_limit_s: float = 1.0
        new_counts: list[int] = []
        label: str = "x"

    assert Appended(new_limit_s=2, new_counts=[1, 2], label="60").new_limit_s == 2.0
    for bad in ({"new_limit_s": True}, {"new_limit_s": "60"}, {"new_counts": [1, False]}):
        with pytest.raises(ValidationError, match="expected a number"):
            Appended(**bad)


@pytest.mark.parametrize("old, new, where", [
    ("  - name: T\n", "  - name: T\n    start_s: 10\n", None),
    ("  - name: T\n", "  - name: T\n    start_s: 100\n", "s.yaml:10:14: threats[0].start_s: the threat starts at 100 s"),
])
def test_threat_must_start_before_the_end(catalog, old, new, where):
    text = MINIMAL.replace(old, new, 1) + "run: {duration_s: 60}\n"
    if where is None:
        assert parse(text, catalog).scenario.threats[0].start_s == 10
        return
    with pytest.raises(ScenarioError) as info:
        parse(text, catalog)
    assert str(info.value).startswith(where)


@pytest.mark.parametrize("extra, where", [
    ("scenario: true", "scenario: expected a number, got the boolean true"),
    ("coverage: {track_m_of_n: [true, 3]}", "coverage.track_m_of_n[0]: expected a number, got the boolean true"),
    ("coverage: {altitudes_m: [30, '100']}", "coverage.altitudes_m[1]: expected a number, got the text '100'"),
    ("run: {seed: '7'}", "run.seed: expected a number, got the text '7' (write numbers without quotes)"),
    ("tracking: {k_miss: false}", "tracking.k_miss: expected a number, got the boolean false"),
])
def test_booleans_and_strings_are_not_numbers(catalog, extra, where):
    """`true` and "60" were accepted as numbers (issue 10); now a located error."""
    with pytest.raises(ScenarioError) as info:
        parse(MINIMAL + extra + "\n", catalog)
    assert where in str(info.value) and str(info.value).startswith("s.yaml:14:")


def test_route_ending_far_from_every_asset_is_a_warning(catalog):
    """Issue 10: such threats were counted "leaked (end of route)" without a word at validate."""
    near = MINIMAL + "defended_assets:\n  - {name: D, lat_deg: 40.01, lon_deg: 32.5}\n"
    assert not any("leak radius" in w for w in parse(near, catalog).warnings)
    far = MINIMAL + "defended_assets:\n  - {name: D, lat_deg: 39.0, lon_deg: 32.5}\n"
    warnings = parse(far, catalog).warnings
    assert any(w.startswith("s.yaml:13:9: threats[0].route[1]: the route ends 111 km from the nearest defended asset")
               for w in warnings), warnings
