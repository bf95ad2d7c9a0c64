"""`iadsim validate` names a sea state or wave height out of range at its line, exit 2, one line."""

from __future__ import annotations

import pytest

from iadsim.cli.main import main

TEXT = """\
name: x
environment:
  surface: water
  {field}
sites:
  - {{name: A, lat_deg: 40, lon_deg: 32, radars: [{{equipment: 92N6E, mast_m: 20}}]}}
"""


@pytest.mark.parametrize(("field", "expect"), [
    ("sea_state: 10", "bad.yaml:4:14: environment.sea_state: "),
    ("sea_state: high", "bad.yaml:4:14: environment.sea_state: "),
    ("wave_height_m: 31", "bad.yaml:4:18: environment.wave_height_m: "),
])
def test_sea_state_out_of_range_at_validate(tmp_path, capsys, field, expect):
    path = tmp_path / "bad.yaml"
    path.write_text(TEXT.format(field=field))
    assert main(["validate", str(path)]) == 3
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and expect in lines[0] and "Traceback" not in err, err


def test_sea_state_in_range_validates(tmp_path, capsys):
    path = tmp_path / "ok.yaml"
    path.write_text(TEXT.format(field="sea_state: 9"))
    assert main(["validate", str(path)]) == 0
