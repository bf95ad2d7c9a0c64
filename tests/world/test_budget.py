"""The resource estimate before a run (iadsim.world.budget): the work sizes of issue 10 are each
refused or warned about from the scenario alone, before any array is allocated."""

from __future__ import annotations

import pytest

import iadsim.world.budget as budget
from iadsim.catalog import load_catalog
from iadsim.errors import ResourceError
from iadsim.scenario import parse_scenario
from iadsim.world.budget import check_budget, estimate

BASE = """name: b
sites:
  - {name: A, lat_deg: 40.0, lon_deg: 32.5, radars: [{equipment: 91N6E, mast_m: 10}, {equipment: 92N6E, mast_m: 25},
     {equipment: 96L6E, mast_m: 25}], launchers: [{equipment: 5P85SE2, count: 8}]}
"""


def threat(i: int, count: int = 1, start: float = 0.0, speed: float = 250.0) -> str:
    return (f"  - {{name: T{i}, class: fighter_4gen, count: {count}, start_s: {start!r}, route: ["
            f"{{lat_deg: 41.0, lon_deg: 32.5, alt_m: 5000, speed_mps: {speed!r}}}, "
            f"{{lat_deg: 40.0, lon_deg: 32.6, alt_m: 5000, speed_mps: {speed!r}}}]}}\n")


ONE = BASE + "threats:\n" + threat(0)
DEMO_LIKE = ONE + "coverage: {threat_classes: [fighter_4gen, lo_fighter, cruise_missile], max_range_km: 420}\n"


@pytest.fixture(autouse=True)
def machine(monkeypatch):
    monkeypatch.setattr(budget, "available_memory_bytes", lambda: 16.0 * 2**30)
    monkeypatch.delenv("IADSIM_TIME_BUDGET_S", raising=False)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


CASES = {
    "10 × 1,000 threats": (BASE + "run: {duration_s: 1800}\nthreats:\n" + "".join(threat(i, 1000) for i in range(10)),
                           "warn", "threats"),
    "unbounded start_s": (BASE + "threats:\n" + threat(0, start=1e12), "refuse", "threats[0].start_s"),
    "0.001 m/s without duration_s": (BASE + "threats:\n" + threat(0, speed=0.001), "refuse",
                                     "threats[0].route[1].speed_mps"),
    "64 altitude layers": (DEMO_LIKE.replace("max_range_km: 420}", "max_range_km: 420, altitudes_m: ["
                                             + ", ".join(str(50 * i) for i in range(64)) + "]}"),
                           "warn", "coverage.altitudes_m"),
    "10 m cells over 3,000 km": (ONE + "coverage: {cell_m: 10, max_range_km: 3000}\n", "refuse", "coverage.cell_m"),
    "1e5 plots per scan": (ONE + "environment: {clutter: {false_alarms_per_scan: 100000}}\n", "refuse",
                           "environment.clutter.false_alarms_per_scan"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_issue_10_work_sizes_are_refused_or_warned(catalog, name):
    text, verdict, field = CASES[name]
    loaded = parse_scenario(text, "b.yaml", catalog=catalog)
    if verdict == "refuse":
        with pytest.raises(ResourceError) as info:
            check_budget(loaded, catalog)
        msg = str(info.value)
        assert f": {field}: " in msg and "--force" in msg and "\n" not in msg
        forced = check_budget(loaded, catalog, force=True)
        assert any("running anyway (--force)" in w for w in forced)
    else:
        warnings = check_budget(loaded, catalog)
        assert warnings and any(f": {field}: " in w for w in warnings), warnings


def test_demo_like_scenario_is_within_budget(catalog):
    loaded = parse_scenario(DEMO_LIKE + "run: {duration_s: 1800}\n", "b.yaml", catalog=catalog)
    assert check_budget(loaded, catalog) == []
    est = estimate(loaded, catalog)
    assert est.threat_steps == 1801 and est.plots_per_scan == 3


def test_time_budget_comes_from_the_environment(catalog, monkeypatch):
    loaded = parse_scenario(ONE + "run: {duration_s: 1800}\n", "b.yaml", catalog=catalog)
    monkeypatch.setenv("IADSIM_TIME_BUDGET_S", "0.01")
    with pytest.raises(ResourceError, match="time budget"):
        check_budget(loaded, catalog)
    monkeypatch.setenv("IADSIM_TIME_BUDGET_S", "soon")
    with pytest.raises(ResourceError, match="IADSIM_TIME_BUDGET_S='soon'"):
        check_budget(loaded, catalog)


def test_jobs_refuse_before_allocating(catalog, tmp_path):
    """run_coverage on 10 m cells over 3,000 km stops at the estimate (the old code died in a
    55.8 GiB MemoryError); only the coverage job's items count for it."""
    from iadsim.api import run_coverage

    loaded = parse_scenario(CASES["10 m cells over 3,000 km"][0], "b.yaml", catalog=catalog)
    with pytest.raises(ResourceError, match="coverage.cell_m"):
        run_coverage(loaded, tmp_path / "out", catalog=catalog)
    crawl = parse_scenario(CASES["0.001 m/s without duration_s"][0], "c.yaml", catalog=catalog)
    assert check_budget(crawl, catalog, ("coverage",)) == []


def test_a_job_on_a_vrt_dem_fails_located_before_compiling(catalog, tmp_path):
    """The estimate reads the DEM header with the same restrictions as load_dem, and its error is
    located at environment.dem like validate's."""
    from iadsim.errors import TerrainError

    (tmp_path / "dem.tif").write_text('<VRTDataset rasterXSize="2" rasterYSize="2"></VRTDataset>\n')
    loaded = parse_scenario(ONE + "environment:\n  dem: dem.tif\n", "b.yaml", base_dir=tmp_path, catalog=catalog)
    with pytest.raises(TerrainError, match=r"^b.yaml:8:8: environment.dem: DEM .*dem.tif: the DEM is a VRT"):
        check_budget(loaded, catalog)


# 100 m cells over a 600 km radius: ≈ 1.5e8 cells per site × 15 layers × 3 radars
BIG_GRID = ONE + ("coverage: {threat_classes: [fighter_4gen, lo_fighter, cruise_missile], max_range_km: 600, "
                  "cell_m: 100}\nrun: {duration_s: 1800}\n")


def test_tiled_coverage_is_estimated_per_tile(catalog):
    """Issue 14: a tiled run keeps the sites' window rasters and one tile's working set, not the
    classes × altitudes cube of every cell — the cube of 100 m cells over 600 km is refused, the
    same coverage in tiles of 1,024² cells is not, and its estimate is far smaller."""
    loaded = parse_scenario(BIG_GRID, "b.yaml", catalog=catalog)
    with pytest.raises(ResourceError) as info:
        check_budget(loaded, catalog, ("coverage",))
    assert "coverage.cell_m" in str(info.value) and "memory" in str(info.value)
    warnings = check_budget(loaded, catalog, ("coverage",), tile_size=1024)
    assert not any("running anyway" in w for w in warnings)
    cube = estimate(loaded, catalog).memory_bytes(("coverage",))
    tiled = estimate(loaded, catalog, tile_size=1024)
    assert tiled.memory_bytes(("coverage",)) < cube / 10
    assert "in tiles of 1,024² cells" in tiled.summary(("coverage",))
    # the work (time) is the same: tiling changes where it is held, not how much there is
    assert tiled.seconds(("coverage",)) == estimate(loaded, catalog).seconds(("coverage",))


def test_tiled_estimate_grows_with_the_tile_and_refuses_one_that_cannot_fit(catalog):
    """The other direction: a bigger tile costs more, and a tile as large as the grid is refused
    like the whole cube (it is the whole cube)."""
    loaded = parse_scenario(BIG_GRID, "b.yaml", catalog=catalog)
    mem = [estimate(loaded, catalog, tile_size=t).memory_bytes(("coverage",)) for t in (256, 1024, 4096)]
    assert mem[0] < mem[1] < mem[2]
    with pytest.raises(ResourceError) as info:
        check_budget(loaded, catalog, ("coverage",), tile_size=100_000)
    assert "\n" not in str(info.value) and "in tiles of 100,000² cells" in str(info.value)


def test_validate_estimates_a_tiled_run(tmp_path, capsys):
    """`iadsim validate --tile-size N` prints the tiled estimate; without it the cube is refused."""
    import json

    from iadsim.cli.main import main

    scen = tmp_path / "big.yaml"
    scen.write_text(BIG_GRID)
    assert main(["validate", str(scen), "--json"]) == 5
    capsys.readouterr()
    assert main(["validate", str(scen), "--json", "--tile-size", "1024"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "in tiles of 1,024² cells" in out["estimate"]["summary"]
    assert out["estimate"]["peak_memory_bytes"] < 8 * 2**30
