"""Worlds compiled in one process share a radar's terrain pass when the DEM window, the radar's
position and mast, the refraction factor and the radius are the same (a sweep compiles one world
per point, or per replication with sampled figures), and never when one of them differs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from iadsim.catalog import load_catalog
from iadsim.montecarlo.uncertainty import with_figures
from iadsim.scenario import load_scenario
from iadsim.sensors.terrain import lowest_visible_height
from iadsim.world import compile_world

DEMO = Path(__file__).resolve().parents[2] / "examples" / "turkey-2019" / "scenario.yaml"


def test_same_terrain_is_shared_across_catalogs_and_equals_a_fresh_pass():
    catalog = load_catalog()
    loaded = load_scenario(DEMO, catalog)
    a = compile_world(loaded, catalog)
    b = compile_world(loaded, with_figures(catalog, {("48N6E3", "pk.fighter_4gen"): 0.9}))
    ra, rb = a.radars[0], b.radars[0]
    ta, tb = a.radar_terrain(ra), b.radar_terrain(rb)
    assert ta is tb
    assert not ta.lowest_visible_height_m.flags.writeable
    fresh = lowest_visible_height(ta.dem, ra.lat_rad, ra.lon_rad, ra.mast_m, k_factor=a.k_factor,
                                  max_range_m=a.coverage_radius_m())
    np.testing.assert_array_equal(ta.lowest_visible_height_m, np.where(np.isfinite(fresh), fresh, np.inf))


def test_another_mast_gets_its_own_pass():
    catalog = load_catalog()
    loaded = load_scenario(DEMO, catalog)
    a = compile_world(loaded, catalog)
    sc = loaded.scenario
    site = sc.sites[0]
    radars = [site.radars[0].model_copy(update={"mast_m": (site.radars[0].mast_m or 0.0) + 10.0}), *site.radars[1:]]
    taller = sc.model_copy(update={"sites": [site.model_copy(update={"radars": radars}), *sc.sites[1:]]})
    import dataclasses

    b = compile_world(dataclasses.replace(loaded, scenario=taller), catalog)
    assert a.radar_terrain(a.radars[0]) is not b.radar_terrain(b.radars[0])
    assert a.radar_terrain(a.radars[1]) is b.radar_terrain(b.radars[1])  # the other radars are unchanged
