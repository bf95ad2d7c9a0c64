"""``run.epoch_utc``: absolute time of t = 0; strict ISO 8601 with a timezone, located errors otherwise."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from iadsim.errors import IadsimError
from iadsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "turkey-2019" / "scenario.yaml"
UTC = datetime.timezone.utc


def _with_epoch(tmp_path: Path, value: str) -> Path:
    text = DEMO.read_text(encoding="utf-8")
    assert "\nrun:\n" in text
    text = text.replace("\nrun:\n", f"\nrun:\n  epoch_utc: {value}\n", 1)
    text = text.replace("dem: terrain/", f"dem: {DEMO.parent}/terrain/")
    p = tmp_path / "s.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_default_is_the_demo_date():
    assert load_scenario(DEMO).scenario.run.epoch_utc == datetime.datetime(2019, 7, 12, tzinfo=UTC)


@pytest.mark.parametrize("value,expected", [
    ("2019-07-12T03:00:00+03:00", datetime.datetime(2019, 7, 12, tzinfo=UTC)),
    ('"2020-02-29T12:30:00Z"', datetime.datetime(2020, 2, 29, 12, 30, tzinfo=UTC)),
    ("2021-01-01T00:00:00.5Z", datetime.datetime(2021, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)),
])
def test_timezones_are_converted_to_utc(tmp_path, value, expected):
    assert load_scenario(_with_epoch(tmp_path, value)).scenario.run.epoch_utc == expected


@pytest.mark.parametrize("value,why", [
    ("2019-07-12", "a date without a time and timezone"),
    ("2019-07-12T00:00:00", "has no timezone"),
    ('"2019-07-12 00:00"', "not a date-time with a timezone"),
    ("yesterday", "not a date-time with a timezone"),
    ('"2019-13-45T00:00:00Z"', "month must be in 1..12"),
    ("12", "got int"),
])
def test_bad_epochs_are_located_one_line_errors(tmp_path, value, why):
    path = _with_epoch(tmp_path, value)
    with pytest.raises(IadsimError) as exc:
        load_scenario(path)
    msg = str(exc.value)
    assert "\n" not in msg and f"{path}:18:" in msg and "run.epoch_utc" in msg and why in msg, msg
