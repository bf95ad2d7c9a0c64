"""Maps in longitude/latitude: the map extends to every nominal ring beyond the terrain window, grids
are downsampled to about the figure's pixels, and the furniture (basemap, rings, scale bar) is drawn."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from iadsim.catalog import load_catalog  # noqa: E402
from iadsim.coverage.cartography import (GEOD, dem_outline_lonlat, draw_basemap, finish, ring_lonlat,  # noqa: E402
                                         scale_bar, stride_for)
from iadsim.coverage.compute import compute_coverage  # noqa: E402
from iadsim.coverage.products import _map_box, map_layer_pngs, map_png  # noqa: E402
from iadsim.scenario.loader import parse_scenario  # noqa: E402
from iadsim.world import compile_world  # noqa: E402

SCENARIO = """\
name: map test
sites:
  - name: S
    lat_deg: 40.0
    lon_deg: 32.5
    radars: [{equipment: 92N6E, mast_m: 20}]
    launchers: [{equipment: 5P85SE2, count: 1, load: {48N6E3: 4}}]
defended_assets: [{name: City, lat_deg: 40.0, lon_deg: 32.9, value: 1}]
threats:
  - name: F
    class: fighter_4gen
    route:
      - {lat_deg: 41.5, lon_deg: 32.6, alt_m: 8000, speed_mps: 250}
      - {lat_deg: 40.0, lon_deg: 32.6, alt_m: 8000, speed_mps: 250}
coverage: {max_range_km: 120, cell_m: 4000, threat_classes: [fighter_4gen], altitudes_m: [100, 8000]}
"""


@pytest.fixture(scope="module")
def world_sc():
    cat = load_catalog()
    world = compile_world(parse_scenario(SCENARIO, "m.yaml", catalog=cat), cat)
    return world, compute_coverage(world).sites[0]


def test_map_extends_to_the_nominal_rings_beyond_the_terrain(world_sc):
    world, sc = world_sc
    w, s, e, n = _map_box(sc, world.scenario)
    dem = dem_outline_lonlat(sc.dem)
    ring = ring_lonlat(32.5, 40.0, sc.nominal_detection_m)
    assert sc.nominal_detection_m > 200e3  # the ring is far beyond the 120 km terrain window
    assert w <= ring[:, 0].min() and e >= ring[:, 0].max() and s <= ring[:, 1].min() and n >= ring[:, 1].max()
    assert w < dem[:, 0].min() and e > dem[:, 0].max()


def test_ring_is_geodesic():
    """Every point of a 250 km ring is 250 km (±1 m) from the centre on the WGS84 ellipsoid."""
    ring = ring_lonlat(32.5, 40.0, 250e3)
    _, _, d = GEOD.inv(np.full(len(ring), 32.5), np.full(len(ring), 40.0), ring[:, 0], ring[:, 1])
    assert np.allclose(d, 250e3, atol=1.0)


def test_grids_are_downsampled_to_about_the_figure():
    assert stride_for((3000, 2000), 420) == 8 and stride_for((100, 80), 420) == 1


def test_scale_bar_length_is_true_on_the_ground():
    fig, ax = plt.subplots()
    box = (30.0, 38.0, 35.0, 42.0)
    scale_bar(ax, box)
    (x0, x1), (y0, _) = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    label = next(t.get_text() for t in ax.texts if t.get_text().endswith(" km"))
    d = GEOD.inv(x0, y0, x1, y0)[2]
    assert d == pytest.approx(float(label.split()[0]) * 1e3, rel=1e-4)  # bar on the parallel, geodesic east: < 0.01 %
    plt.close(fig)


def test_basemap_draws_coast_borders_and_cities_around_ankara():
    fig, ax = plt.subplots()
    draw_basemap(ax, (26.0, 36.0, 45.0, 42.5))
    finish(ax, (26.0, 36.0, 45.0, 42.5))
    assert len(ax.lines) > 20
    assert {"Ankara", "Istanbul"} <= {t.get_text() for t in ax.texts}
    plt.close(fig)


def test_map_png_and_layer_maps_are_written(world_sc, tmp_path):
    world, sc = world_sc
    p = map_png(sc, 0, tmp_path / "m.png", scenario=world.scenario)
    assert p.stat().st_size > 20_000
    layers = map_layer_pngs(sc, 0, tmp_path / "layers", scenario=world.scenario)
    assert [c for c, _ in layers] == ["S|fighter_4gen|100 m AGL", "S|fighter_4gen|8000 m AGL"]
    assert all(q.is_file() for _, q in layers)
    assert math.isfinite(sc.nominal_detection_m)
