"""YAML parsing keeps the location of every value, and pydantic errors point at it."""

from __future__ import annotations

import pydantic
import pytest

from iadsim.errors import InputError, ScenarioError
from iadsim.io import format_path, parse_yaml, read_yaml, validate


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
