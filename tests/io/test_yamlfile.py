"""YAML parsing keeps the location of every value, and pydantic errors point at it."""

from __future__ import annotations

import pydantic
import pytest

from iadsim.errors import InputError, ScenarioError
from iadsim.io import YamlLimits, format_path, parse_yaml, quote, read_yaml, validate


class Point(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    lat_deg: float = pydantic.Field(ge=-90, le=90)
    name: str


class Doc(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    points: list[Point]


def test_marks_are_one_based_line_and_column():
    located = parse_yaml("points:\n  - lat_deg: 1\n    name: a\n  - lat_deg: 2\n    name: b\n", "f.yaml")
    assert located.where(("points", 1, "lat_deg")) == (4, 14)
    assert located.where(("points", 0)) == (2, 5)
    # a missing key falls back to its parent's position
    assert located.where(("points", 1, "nope")) == located.where(("points", 1))


def test_validation_error_names_file_line_column_field():
    located = parse_yaml("points:\n  - lat_deg: 1\n    name: a\n  - lat_deg: 95\n    name: b\n", "f.yaml")
    with pytest.raises(ScenarioError) as info:
        validate(Doc, located, ScenarioError)
    err = info.value
    assert (err.file, err.line, err.column, err.field) == ("f.yaml", 4, 14, "points[1].lat_deg")
    assert "less than or equal to 90" in str(err)
    assert "\n" not in str(err)


def test_missing_and_unknown_fields():
    with pytest.raises(ScenarioError, match=r"f.yaml:2:5: points\[0\].name: required field is missing"):
        validate(Doc, parse_yaml("points:\n  - lat_deg: 1\n", "f.yaml"), ScenarioError)
    with pytest.raises(ScenarioError, match=r"points\[0\].colour: unknown field"):
        validate(Doc, parse_yaml("points:\n  - lat_deg: 1\n    name: a\n    colour: red\n", "f.yaml"), ScenarioError)


@pytest.mark.parametrize(
    "text, expect",
    [
        ("points: [", "not valid YAML"),
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("", "empty"),
        ("- 1\n- 2\n", "expected a YAML mapping"),
        ("points: !!python/object:os.system {}\n", "unsupported YAML tag"),
        ("{[1, 2]: 3}\n", "mapping keys must be plain names"),
        ("\x00", "not valid YAML"),
    ],
)
def test_broken_yaml_is_one_line_error(text, expect):
    with pytest.raises(InputError) as info:
        located = parse_yaml(text, "bad.yaml")
        validate(Doc, located, InputError)
    assert expect in str(info.value)
    assert str(info.value).startswith("bad.yaml")


def test_read_yaml_file_problems(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_yaml(tmp_path / "none.yaml")
    with pytest.raises(InputError, match="is a directory"):
        read_yaml(tmp_path)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"name: M\xfcrted\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_yaml(bad)


def test_format_path():
    assert format_path(("sites", 0, "radars", 2, "equipment")) == "sites[0].radars[2].equipment"
    assert format_path(()) == "(document)"


# ----------------------------------------------------------------------------- limits (issue 10)
def _alias_bomb(levels: int) -> str:
    text = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, levels + 1):
        text += f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n"
    return text


@pytest.mark.parametrize("levels", [6, 7, 9, 30])
def test_alias_bomb_is_refused_by_the_alias_limit(levels):
    """The 1.3 KB bomb of issue 10 (six levels took 45 s and 3.1 GB, seven ran past 60 s)."""
    with pytest.raises(InputError) as info:
        parse_yaml(_alias_bomb(levels), "bomb.yaml")
    msg = str(info.value)
    assert msg.startswith("bomb.yaml:") and "IADSIM_YAML_MAX_ALIAS_NODES" in msg and "\n" not in msg


def test_aliases_are_shared_not_copied_and_within_limits_they_work():
    located = parse_yaml("base: &b {x: 1, y: [1, 2]}\none: *b\ntwo: *b\nmerged: {<<: *b, x: 5}\n", "a.yaml")
    d = located.data
    assert d["one"] == {"x": 1, "y": [1, 2]} and d["one"] is d["two"]
    assert d["merged"] == {"x": 5, "y": [1, 2]}
    assert located.where(("two", "x")) == (3, 6)  # inside an alias: the alias's own place


@pytest.mark.parametrize("text", ["x: " + "[" * 600 + "]" * 600 + "\n",
                                  "x: " + "{a: " * 600 + "1" + "}" * 600 + "\n",
                                  "x:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 600)) + "  " * 600 + "v\n"])
def test_600_levels_of_nesting_is_refused_not_a_recursion_error(text):
    with pytest.raises(InputError, match=r"nest too deep: over the limit of 100 .*IADSIM_YAML_MAX_DEPTH"):
        parse_yaml(text, "deep.yaml")


def test_limits_can_be_raised_and_lowered_by_environment(monkeypatch):
    text = "x: " + "[" * 150 + "]" * 150 + "\n"
    monkeypatch.setenv("IADSIM_YAML_MAX_DEPTH", "200")
    assert parse_yaml(text, "d.yaml").data["x"]
    monkeypatch.setenv("IADSIM_YAML_MAX_NODES", "10")
    with pytest.raises(InputError, match="too many values.*IADSIM_YAML_MAX_NODES"):
        parse_yaml("x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n", "n.yaml")
    monkeypatch.setenv("IADSIM_YAML_MAX_NODES", "ten")
    with pytest.raises(InputError, match="IADSIM_YAML_MAX_NODES='ten' is not a positive whole number"):
        parse_yaml("x: 1\n", "n.yaml")


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("x: " + "1" * 2000 + "\n")
    with pytest.raises(InputError, match=r"the file is 2,004 bytes: over the limit of 1,000 .*IADSIM_YAML_MAX_BYTES"):
        read_yaml(path, limits=YamlLimits(max_bytes=1000))
    with pytest.raises(InputError, match="over the limit of 1,000"):
        parse_yaml(path.read_text(), "big.yaml", limits=YamlLimits(max_bytes=1000))


def test_quoted_values_are_cut_to_200_characters():
    long = "X" * 1_000_000
    text = quote(long)
    assert len(text) < 240 and "1,000,000 characters" in text
    assert quote("short") == "'short'"
    with pytest.raises(InputError) as info:
        parse_yaml(f"{long}: 1\n{long}: 2\n", "dup.yaml")
    assert len(str(info.value)) < 500


@pytest.mark.parametrize("text, expect", [
    ("a: 1\n---\nb: 2\n", "expected a single document"),
    ("a: *nope\n", "undefined alias 'nope'"),
    ("a: !!set {x}\n", "unsupported YAML tag"),
    ("a: !custom 3\n", "unsupported YAML tag '!custom'"),
    ("a: " + "9" * 5000 + "\n", "too many digits"),
    ("a: {<<: 3}\n", "merge key"),
])
def test_more_broken_yaml(text, expect):
    with pytest.raises(InputError) as info:
        parse_yaml(text, "bad.yaml")
    assert expect in str(info.value) and str(info.value).startswith("bad.yaml:")


def test_plain_exponent_numbers_are_numbers_quoted_ones_text():
    d = parse_yaml("a: 1e5\nb: 1.0e12\nc: '1e5'\nd: -2.5E-3\n", "n.yaml").data
    assert d == {"a": 1e5, "b": 1e12, "c": "1e5", "d": -2.5e-3}


class Settings(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    speed_mps: float = 1.0
    environment: dict | None = None


def test_unknown_field_gets_a_did_you_mean():
    with pytest.raises(ScenarioError, match=r"s.yaml:1:12: speed_kmh: unknown field \(did you mean 'speed_mps'\?"):
        validate(Settings, parse_yaml("speed_kmh: 3\n", "s.yaml"), ScenarioError)
    with pytest.raises(ScenarioError, match=r"did you mean 'environment'\?"):
        validate(Settings, parse_yaml("enviroment: {}\n", "s.yaml"), ScenarioError)
