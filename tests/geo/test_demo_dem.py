"""The shipped GLOBE clip (examples/turkey-2019/terrain) reads and holds the documented heights.

Source: GLOBE Task Team et al. (1999), NOAA NGDC, GLOBE v1.0 tile G; the spot heights are
the cell values listed in /work/shared/sources.md ("Terrain you can install") and in the
clip's README. Cell values must match exactly (the clip is cut without resampling);
bilinear samples at the same points within a stated tolerance (neighbouring 1 km cells
differ by tens of metres around Ankara, by hundreds at Erciyes).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from iadsim.geo.dem import load_dem
from iadsim.sensors.terrain import lowest_visible_height

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "examples" / "turkey-2019" / "terrain" / "globe-ankara.tif"

SPOTS = [  # name, lat_deg, lon_deg, GLOBE cell value (m), bilinear tolerance (m)
    ("Ankara", 39.93, 32.86, 889, 40.0),
    ("Mürted/Akıncı", 40.0786, 32.5656, 831, 40.0),
    ("Erciyes", 38.531, 35.447, 3661, 300.0),  # a peak cell: its neighbours are 300 m lower
    ("İncirlik", 37.002, 35.426, 46, 40.0),
    ("Black Sea", 42.0, 34.0, 0, 1.0),
]


@pytest.fixture(scope="module")
def dem():
    return load_dem(CLIP)


def test_clip_grid(dem):
    assert CLIP.stat().st_size < 2_000_000
    assert dem.shape == (1020, 1200)
    assert dem.is_geographic and dem.crs.to_epsg() == 4326
    t = dem.transform
    assert (t.a, t.e) == (pytest.approx(1 / 120), pytest.approx(-1 / 120))
    assert (t.c, t.f) == (pytest.approx(27.5), pytest.approx(44.0))
    assert (dem.n_filled_cells, dem.n_surface_cells) == (0, 0)
    assert float(dem.height_m.min()) == 0.0 and float(dem.height_m.max()) == 3661.0


@pytest.mark.parametrize("name,lat_deg,lon_deg,expected_m,tol_m", SPOTS)
def test_documented_heights(dem, name, lat_deg, lon_deg, expected_m, tol_m):
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    r, c = dem.rowcol(*dem.latlon_to_xy(lat, lon))
    assert float(dem.height_m[int(r), int(c)]) == expected_m, name
    assert abs(dem.sample_height_m(lat, lon) - expected_m) < tol_m, name


def test_clip_covers_300_km_around_murted(dem):
    lat, lon = math.radians(40.08), math.radians(32.57)
    # 300 km north/south is ~2.70°, east/west ~3.52° at 40°N.
    for dlat, dlon in [(2.75, 0), (-2.75, 0), (0, 3.5), (0, -3.5)]:
        assert dem.covers(lat + math.radians(dlat), lon + math.radians(dlon))


def test_masking_runs_on_the_clip(dem):
    """A 10 m mast at Mürted sees the nearby plain, not the far side of the mountains."""
    lat, lon = math.radians(40.0786), math.radians(32.5656)
    lvh = lowest_visible_height(dem, lat, lon, 10.0, max_range_m=300e3)
    assert lvh.shape == dem.shape
    finite = np.isfinite(lvh)
    assert 0.3 < finite.mean() < 0.9  # the 300 km disc within the clip
    assert np.all(lvh[finite] >= 0.0)
    visible = (lvh[finite] == 0.0).mean()
    assert 0.001 < visible < 0.5
    r, c = dem.rowcol(*dem.latlon_to_xy(lat, lon))
    assert lvh[int(r), int(c)] == 0.0
