"""DEM loading, hole filling, generated terrain and sampling (iadsim.geo.dem)."""

from __future__ import annotations

import http.server
import math
import threading

import numpy as np
import pytest
import rasterio
from affine import Affine

from iadsim.errors import IadsimError, TerrainError
from iadsim.geo.dem import Dem, flat_local_dem, load_dem, synthetic_dem, write_geotiff

LAT = math.radians(40.08)
LON = math.radians(32.57)


def _one_line(err: Exception) -> str:
    text = str(err)
    assert "\n" not in text
    return text


# --------------------------------------------------------------------------- load errors
def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "nope.tif"
    with pytest.raises(TerrainError) as ei:
        load_dem(path)
    text = _one_line(ei.value)
    assert str(path) in text and "not found" in text
    assert isinstance(ei.value, IadsimError)


def test_text_file_is_not_a_raster(tmp_path):
    path = tmp_path / "dem.tif"
    path.write_text("this is not a raster\n")
    with pytest.raises(TerrainError) as ei:
        load_dem(path)
    text = _one_line(ei.value)
    assert str(path) in text and "cannot read" in text


def test_directory_is_rejected(tmp_path):
    with pytest.raises(TerrainError):
        load_dem(tmp_path)


def test_geotiff_without_crs(tmp_path):
    path = tmp_path / "nocrs.tif"
    with rasterio.open(
        path, "w", driver="GTiff", height=8, width=8, count=1, dtype="float32",
        transform=Affine(30.0, 0, 500_000.0, 0, -30.0, 4_400_000.0),
    ) as ds:
        ds.write(np.ones((8, 8), np.float32), 1)
    with pytest.raises(TerrainError) as ei:
        load_dem(path)
    text = _one_line(ei.value)
    assert str(path) in text and "no coordinate reference system" in text


def test_all_nodata(tmp_path):
    path = tmp_path / "empty.tif"
    with rasterio.open(
        path, "w", driver="GTiff", height=8, width=8, count=1, dtype="int16", nodata=-32768,
        crs="EPSG:4326", transform=Affine(0.01, 0, 32.0, 0, -0.01, 40.0),
    ) as ds:
        ds.write(np.full((8, 8), -32768, np.int16), 1)
    with pytest.raises(TerrainError) as ei:
        load_dem(path)
    assert "no valid height" in _one_line(ei.value)


def test_dem_not_covering_a_site(tmp_path):
    dem = synthetic_dem((64, 64), 30.0, flat=True)
    path = write_geotiff(dem, tmp_path / "small.tif")
    dem = load_dem(path)
    assert dem.covers(LAT, LON)
    far_lat, far_lon = math.radians(41.0), math.radians(29.0)
    assert not dem.covers(far_lat, far_lon)
    with pytest.raises(TerrainError) as ei:
        dem.require_covers(far_lat, far_lon, "site 'Istanbul'")
    text = _one_line(ei.value)
    assert str(path) in text and "site 'Istanbul'" in text and "41.0000°N" in text
    dem.require_covers(LAT, LON, "site 'Mürted'")  # no error


# --------------------------------------------------------------------------- nodata holes
def test_nodata_small_holes_filled_large_set_to_surface(tmp_path):
    """A 3x3 void in a tilted plane is interpolated; a 60x60 'sea' becomes the surface."""
    rows, cols = 120, 120
    rr, cc = np.mgrid[0:rows, 0:cols]
    plane = (500.0 + 2.0 * rr + 1.0 * cc).astype(np.float32)
    data = plane.copy()
    data[20:23, 80:83] = -32768  # small hole: 9 cells
    data[2, 2] = -32768  # single-cell hole near the edge
    data[60:, :60] = -32768  # large hole: 3600 cells (sea)
    path = tmp_path / "holes.tif"
    with rasterio.open(
        path, "w", driver="GTiff", height=rows, width=cols, count=1, dtype="float32",
        nodata=-32768, crs="EPSG:32636",
        transform=Affine(30.0, 0, 500_000.0, 0, -30.0, 4_400_000.0),
    ) as ds:
        ds.write(data, 1)
    dem = load_dem(path, surface_height_m=-1.5, max_fill_distance_cells=5)
    assert dem.n_filled_cells == 10
    assert dem.n_surface_cells == 3600
    h = dem.height_m
    assert np.all(h[60:, :60] == np.float32(-1.5))
    # Interpolated from the plane around it: within a few metres of the plane.
    np.testing.assert_allclose(h[20:23, 80:83], plane[20:23, 80:83], atol=4.0)
    assert abs(h[2, 2] - plane[2, 2]) < 4.0
    assert np.all(np.isfinite(h))
    untouched = np.ones_like(h, dtype=bool)
    untouched[20:23, 80:83] = False
    untouched[2, 2] = False
    untouched[60:, :60] = False
    assert np.array_equal(h[untouched], plane[untouched])


def test_nan_cells_are_holes_too(tmp_path):
    dem = synthetic_dem((40, 40), 30.0, flat=True, base_height_m=100.0)
    dem.height_m[10, 10] = np.nan
    path = write_geotiff(dem, tmp_path / "nan.tif")
    out = load_dem(path)
    assert out.n_filled_cells == 1 and out.n_surface_cells == 0
    assert out.height_m[10, 10] == pytest.approx(100.0)


# --------------------------------------------------------------------------- round trip, sampling
@pytest.mark.parametrize("geographic", [False, True])
def test_write_and_load_round_trip(tmp_path, geographic):
    dem = synthetic_dem((50, 70), 30.0, rng=np.random.default_rng(3), geographic=geographic)
    path = write_geotiff(dem, tmp_path / "rt.tif")
    back = load_dem(path)
    assert back.shape == (50, 70)
    assert back.is_geographic == geographic
    assert back.crs.equals(dem.crs)
    assert back.transform.almost_equals(dem.transform)
    np.testing.assert_array_equal(back.height_m, dem.height_m)
    assert back.source == str(path)
    assert (back.n_filled_cells, back.n_surface_cells) == (0, 0)


@pytest.mark.parametrize("geographic", [False, True])
def test_sample_height_is_bilinear_and_nan_outside(geographic):
    """A plane z = a + b*row + c*col is reproduced exactly by bilinear interpolation."""
    dem = synthetic_dem((41, 41), 30.0, flat=True, geographic=geographic)
    rr, cc = np.mgrid[0:41, 0:41]
    dem.height_m[:] = (100.0 + 3.0 * rr - 2.0 * cc).astype(np.float32)
    r = np.array([5.5, 20.25, 33.0, 7.0])
    c = np.array([9.5, 11.75, 2.0, 30.5])
    x, y = dem.xy(r - 0.5, c - 0.5)  # fractional position of centres
    lat, lon = dem.xy_to_latlon(x, y)
    got = dem.sample_height_m(lat, lon)
    np.testing.assert_allclose(got, 100.0 + 3.0 * (r - 0.5) - 2.0 * (c - 0.5), atol=1e-3)
    # Outside the grid: NaN; scalar in, scalar out.
    assert math.isnan(dem.sample_height_m(math.radians(45.0), math.radians(32.57)))
    x0, y0 = dem.xy(20, 20)
    la, lo = dem.xy_to_latlon(x0, y0)
    assert dem.sample_height_m(float(la), float(lo)) == pytest.approx(100.0 + 60.0 - 40.0)


def test_xy_rowcol_inverse():
    dem = synthetic_dem((30, 40), 30.0, flat=True)
    rows = np.array([0, 5, 29])
    cols = np.array([0, 17, 39])
    x, y = dem.xy(rows, cols)
    r, c = dem.rowcol(x, y)
    assert np.array_equal(r, rows) and np.array_equal(c, cols)


# --------------------------------------------------------------------------- generated terrain
def test_synthetic_dem_is_seeded_and_hilly():
    a = synthetic_dem((129, 129), 30.0, rng=np.random.default_rng(7))
    b = synthetic_dem((129, 129), 30.0, rng=np.random.default_rng(7))
    c = synthetic_dem((129, 129), 30.0, rng=np.random.default_rng(8))
    assert np.array_equal(a.height_m, b.height_m)
    assert not np.array_equal(a.height_m, c.height_m)
    assert a.height_m.min() >= 800.0 - 1e-3 and a.height_m.max() <= 2000.0 + 1e-3
    assert a.height_m.std() > 20.0
    assert a.crs.to_epsg() == 32636  # UTM 36N contains 32.57°E
    assert a.cell_size_m() == pytest.approx((30.0, 30.0))
    assert a.covers(LAT, LON)


def test_synthetic_dem_geographic_and_flat():
    dem = synthetic_dem((101, 101), 30.0, flat=True, base_height_m=5.0, geographic=True)
    assert dem.crs.to_epsg() == 4326 and dem.is_geographic
    assert np.all(dem.height_m == 5.0)
    dy, dx = dem.cell_size_m()
    assert dy == pytest.approx(30.0, rel=0.01)
    assert dx == pytest.approx(30.0 * math.cos(LAT), rel=0.01)  # SRTM-like: narrower E-W
    # Centre point at the centre of the middle cell.
    x, y = dem.xy(50, 50)
    assert (x, y) == (pytest.approx(32.57), pytest.approx(40.08))
    with pytest.raises(ValueError):
        synthetic_dem((10, 10), 30.0)  # hills need an explicit rng


def test_flat_local_dem_is_centred_on_the_point():
    dem = flat_local_dem(LAT, LON, half_width_m=10_000.0, spacing_m=500.0)
    assert dem.shape == (41, 41)
    assert np.all(dem.height_m == 0.0)
    assert not dem.is_geographic
    r, c = dem.rowcol(*dem.latlon_to_xy(LAT, LON))
    assert (int(r), int(c)) == (20, 20)
    x, y = dem.xy(20, 20)
    assert abs(float(x)) < 1e-6 and abs(float(y)) < 1e-6
    assert dem.sample_height_m(LAT, LON) == 0.0


def test_dem_rejects_bad_arrays():
    with pytest.raises(ValueError):
        Dem(np.zeros(5), Affine.identity(), "EPSG:4326")
    d = Dem(np.zeros((3, 3), np.int16), Affine(1, 0, 0, 0, -1, 3), "EPSG:4326")
    assert d.height_m.dtype == np.float32


# --------------------------------------------------------------------------- local files only (issue 10)
class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        type(self).hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture
def loopback_server():
    """An HTTP listener on 127.0.0.1 (ephemeral port) in a thread of this process; yields its
    base URL and the list of paths requested from it."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    finally:
        server.shutdown()
        server.server_close()


def _vrt(source: str, raw: bool = False) -> str:
    band = (f'<VRTRasterBand dataType="Byte" band="1" subClass="VRTRawRasterBand"><SourceFilename '
            f'relativeToVRT="0">{source}</SourceFilename><ImageOffset>0</ImageOffset><PixelOffset>1</PixelOffset>'
            f'<LineOffset>8</LineOffset></VRTRasterBand>' if raw else
            f'<VRTRasterBand dataType="Float32" band="1"><SimpleSource><SourceFilename relativeToVRT="0">{source}'
            f'</SourceFilename><SourceBand>1</SourceBand></SimpleSource></VRTRasterBand>')
    return (f'<VRTDataset rasterXSize="8" rasterYSize="8"><SRS>EPSG:4326</SRS>'
            f'<GeoTransform>32.0, 0.1, 0.0, 41.0, 0.0, -0.1</GeoTransform>{band}</VRTDataset>\n')


@pytest.mark.parametrize("name", ["dem.vrt", "dem.tif"])
def test_vrt_pointing_at_http_is_refused_without_a_request(tmp_path, loopback_server, name):
    """A VRT whose source is /vsicurl/ on a loopback listener (named .vrt, or disguised as .tif):
    refused with a located error and no request reaches the listener."""
    url, hits = loopback_server
    path = tmp_path / name
    path.write_text(_vrt(f"/vsicurl/{url}/dem.tif"))
    with pytest.raises(TerrainError) as ei:
        load_dem(path)
    text = _one_line(ei.value)
    assert str(path) in text and "VRT" in text
    # and the located error a scenario gets at `iadsim validate`
    from iadsim.catalog import load_catalog
    from iadsim.scenario import parse_scenario
    from iadsim.world.budget import preflight

    catalog = load_catalog()
    scenario = ("name: v\nsites:\n  - {name: A, lat_deg: 40.6, lon_deg: 32.4, radars: [{equipment: 92N6E, mast_m: 25}]}\n"
                f"environment:\n  dem: {name}\n")
    with pytest.raises(TerrainError) as ei:
        preflight(parse_scenario(scenario, "v.yaml", base_dir=tmp_path, catalog=catalog), catalog)
    assert str(ei.value).startswith("v.yaml:5:8: environment.dem: DEM ")
    assert hits == []


def test_gdal_never_opens_a_vrt_even_past_the_sniffer(tmp_path, loopback_server):
    """The driver restriction alone (without the VRT check) keeps GDAL from following a VRT."""
    import rasterio.errors

    from iadsim.geo.dem import GDAL_READ_OPTIONS, _open_local

    url, hits = loopback_server
    path = tmp_path / "dem.vrt"
    path.write_text(_vrt(f"/vsicurl/{url}/dem.tif"))
    with rasterio.Env(**GDAL_READ_OPTIONS), pytest.raises(rasterio.errors.RasterioIOError):
        _open_local(path)
    assert hits == []


def test_vrt_with_etc_passwd_as_raw_band_is_refused(tmp_path):
    path = tmp_path / "terrain.tif"
    path.write_text(_vrt("/etc/passwd", raw=True))
    with pytest.raises(TerrainError, match="VRT"):
        load_dem(path)


@pytest.mark.parametrize("src", ["/vsicurl/http://127.0.0.1:9/dem.tif", "https://example.org/dem.tif",
                                 "/vsizip//tmp/dem.zip/dem.tif"])
def test_network_and_virtual_paths_are_refused(src):
    with pytest.raises(TerrainError, match="must be a local file"):
        load_dem(src)


def test_dem_range_coverage_fraction(tmp_path):
    """A DEM 3 km wide around a site covers all of a 1 km range and, of a 5 km range, the ratio of
    the square's area to the disc's (9.2 km² / 78.5 km², geometry), within 3 %."""
    from iadsim.geo.dem import dem_range_coverage

    dem = load_dem(write_geotiff(synthetic_dem((101, 101), 30.0, flat=True), tmp_path / "sq.tif"))
    assert dem_range_coverage(dem, LAT, LON, 1000.0) == pytest.approx(1.0)
    frac = dem_range_coverage(dem, LAT, LON, 5000.0, n_az=360, n_rings=200)
    assert frac == pytest.approx((101 * 30.0) ** 2 / (math.pi * 5000.0**2), rel=0.03)


def test_too_many_cells_is_refused_before_reading(tmp_path, monkeypatch):
    path = write_geotiff(synthetic_dem((64, 64), 30.0, flat=True), tmp_path / "big.tif")
    monkeypatch.setenv("IADSIM_MAX_DEM_CELLS", "1000")
    with pytest.raises(TerrainError, match=r"64 × 64 cells, over the limit of 1,000 .*IADSIM_MAX_DEM_CELLS"):
        load_dem(path)
