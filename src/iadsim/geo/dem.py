"""Digital elevation models: loading, hole filling, generated terrain, sampling.

A :class:`Dem` is a 2-D grid of heights (metres above the vertical datum of the file,
mean sea level for SRTM, Copernicus and GLOBE) with a pixel-is-area affine transform
(rasterio's convention: ``transform * (col, row)`` is the upper-left corner of a cell,
``transform * (col + 0.5, row + 0.5)`` its centre) and a ``pyproj.CRS``. Any CRS pyproj
knows is accepted: geographic (EPSG:4326 SRTM/Copernicus/GLOBE tiles) or projected
(UTM). Nothing here measures distances in degrees; :mod:`iadsim.sensors.terrain` works
on the ellipsoid.

Public positions are WGS84 geodetic latitude/longitude in radians (``lat_rad``,
``lon_rad``), converted to the DEM's CRS with pyproj where they differ.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyproj
from affine import Affine

from iadsim.errors import TerrainError
from iadsim.geo.frames import geodesic_forward

__all__ = [
    "ALLOWED_DEM_DRIVERS",
    "Dem",
    "dem_range_coverage",
    "load_dem",
    "load_scenario_dem",
    "synthetic_dem",
    "write_geotiff",
    "flat_local_dem",
    "utm_crs_for",
]

_WGS84 = pyproj.CRS.from_epsg(4326)

#: GDAL raster drivers iadsim reads DEMs with: formats that hold their heights in the local file
#: itself (GeoTIFF/COG, SRTM .hgt, DTED, Esri ASCII grid, USGS DEM, Erdas Imagine). VRT and every
#: other driver that can point at other files or URLs is refused.
ALLOWED_DEM_DRIVERS: tuple[str, ...] = ("GTiff", "COG", "SRTMHGT", "DTED", "AAIGrid", "USGSDEM", "HFA")

#: GDAL configuration for iadsim's DEM reads: no network (curl-based virtual files find nothing,
#: no retries, no directory listing) and no side-car files.
GDAL_READ_OPTIONS: dict[str, str] = {
    "CPL_LOG_ERRORS": "OFF",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".iadsim-network-disabled",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_PAM_ENABLED": "NO",
    "GDAL_ENABLE_DEPRECATED_DRIVER_VRT": "NO",
}


@dataclass(eq=False)
class Dem:
    """A grid of terrain heights with its georeferencing.

    Attributes
    ----------
    height_m : 2-D array (rows x cols), float32 or float64, metres above the datum.
    transform : ``affine.Affine``, pixel-is-area (rasterio's convention).
    crs : ``pyproj.CRS`` of the grid.
    source : path of the file it was read from, or ``"generated"``/a description.
    n_filled_cells : nodata cells filled by interpolation (small holes).
    n_surface_cells : nodata cells set to the surface height (large holes, e.g. sea).
    """

    height_m: np.ndarray
    transform: Affine
    crs: pyproj.CRS
    source: str = "generated"
    n_filled_cells: int = 0
    n_surface_cells: int = 0

    def __post_init__(self) -> None:
        h = np.asarray(self.height_m)
        if h.ndim != 2:
            raise ValueError(f"height_m must be 2-D, got shape {h.shape}")
        if h.dtype not in (np.float32, np.float64):
            h = h.astype(np.float32)
        self.height_m = np.ascontiguousarray(h)
        if not isinstance(self.crs, pyproj.CRS):
            self.crs = pyproj.CRS.from_user_input(self.crs)

    def __repr__(self) -> str:
        epsg = self.crs.to_epsg()
        crs = f"EPSG:{epsg}" if epsg else self.crs.name
        return (
            f"Dem(source={self.source!r}, shape={self.shape}, crs={crs!r}, "
            f"n_filled_cells={self.n_filled_cells}, n_surface_cells={self.n_surface_cells})"
        )

    # -- basic properties -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self.height_m.shape  # type: ignore[return-value]

    @property
    def is_geographic(self) -> bool:
        """True when the grid is in longitude/latitude (e.g. EPSG:4326)."""
        return bool(self.crs.is_geographic)

    @cached_property
    def _to_dem(self) -> pyproj.Transformer | None:
        """WGS84 lon/lat (degrees) -> DEM x/y, or None when that is the identity."""
        if self.is_geographic and self.crs.equals(_WGS84, ignore_axis_order=True):
            return None
        return pyproj.Transformer.from_crs(_WGS84, self.crs, always_xy=True)

    @cached_property
    def _from_dem(self) -> pyproj.Transformer | None:
        """DEM x/y -> WGS84 lon/lat (degrees), or None when that is the identity."""
        if self.is_geographic and self.crs.equals(_WGS84, ignore_axis_order=True):
            return None
        return pyproj.Transformer.from_crs(self.crs, _WGS84, always_xy=True)

    # -- coordinates --------------------------------------------------------------------
    def xy(self, rows, cols) -> tuple[np.ndarray, np.ndarray]:
        """CRS coordinates (x, y) of the centres of cells ``(rows, cols)``."""
        r = np.asarray(rows, dtype=np.float64) + 0.5
        c = np.asarray(cols, dtype=np.float64) + 0.5
        t = self.transform
        return t.a * c + t.b * r + t.c, t.d * c + t.e * r + t.f

    def rowcol(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Integer (row, col) of the cells containing CRS points (x, y) (may be outside)."""
        fr, fc = self._frac_rowcol(x, y)
        return np.floor(fr).astype(np.int64), np.floor(fc).astype(np.int64)

    def _frac_rowcol(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Fractional (row, col) of CRS points; the upper-left corner of cell (0, 0) is 0, 0."""
        inv = ~self.transform
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        return inv.d * x + inv.e * y + inv.f, inv.a * x + inv.b * y + inv.c

    def latlon_to_xy(self, lat_rad, lon_rad) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 latitude/longitude (radians) -> DEM CRS x, y."""
        lat_deg = np.degrees(np.asarray(lat_rad, dtype=np.float64))
        lon_deg = np.degrees(np.asarray(lon_rad, dtype=np.float64))
        if self._to_dem is None:
            return lon_deg, lat_deg
        x, y = self._to_dem.transform(lon_deg, lat_deg)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def xy_to_latlon(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """DEM CRS x, y -> WGS84 latitude/longitude (radians)."""
        if self._from_dem is None:
            lon_deg, lat_deg = np.asarray(x, np.float64), np.asarray(y, np.float64)
        else:
            lon_deg, lat_deg = self._from_dem.transform(x, y)
        return np.radians(lat_deg), np.radians(lon_deg)

    def _inside(self, fr: np.ndarray, fc: np.ndarray) -> np.ndarray:
        rows, cols = self.shape
        return (fr >= 0.0) & (fr <= rows) & (fc >= 0.0) & (fc <= cols)

    # -- sampling and coverage -------------------------------------------------------------
    def sample_height_m(self, lat_rad, lon_rad) -> np.ndarray:
        """Terrain height at WGS84 points, bilinear between cell centres; NaN outside.

        Points within half a cell of the edge take the edge cells' values (the
        interpolation is clamped to the outermost cell centres).
        """
        x, y = self.latlon_to_xy(lat_rad, lon_rad)
        fr, fc = self._frac_rowcol(x, y)
        inside = self._inside(fr, fc)
        rows, cols = self.shape
        # Position relative to cell centres, clamped to the grid of centres.
        pr = np.clip(fr - 0.5, 0.0, rows - 1.0)
        pc = np.clip(fc - 0.5, 0.0, cols - 1.0)
        pr = np.where(np.isfinite(pr), pr, 0.0)
        pc = np.where(np.isfinite(pc), pc, 0.0)
        r0 = np.minimum(np.floor(pr).astype(np.int64), max(rows - 2, 0))
        c0 = np.minimum(np.floor(pc).astype(np.int64), max(cols - 2, 0))
        r1 = np.minimum(r0 + 1, rows - 1)
        c1 = np.minimum(c0 + 1, cols - 1)
        wr = pr - r0
        wc = pc - c0
        h = self.height_m
        top = h[r0, c0] * (1.0 - wc) + h[r0, c1] * wc
        bot = h[r1, c0] * (1.0 - wc) + h[r1, c1] * wc
        out = top * (1.0 - wr) + bot * wr
        out = np.where(inside, out, np.nan).astype(np.float64)
        return out if out.ndim else float(out)

    def covers(self, lat_rad, lon_rad) -> bool:
        """True when every given WGS84 point lies within the grid's extent."""
        x, y = self.latlon_to_xy(lat_rad, lon_rad)
        fr, fc = self._frac_rowcol(x, y)
        return bool(np.all(self._inside(fr, fc)))

    def require_covers(self, lat_rad, lon_rad, what: str) -> None:
        """Raise :class:`TerrainError` naming the file and ``what`` when a point is outside."""
        if self.covers(lat_rad, lon_rad):
            return
        lat_deg = np.atleast_1d(np.degrees(np.asarray(lat_rad, dtype=np.float64)))
        lon_deg = np.atleast_1d(np.degrees(np.asarray(lon_rad, dtype=np.float64)))
        x, y = self.latlon_to_xy(lat_rad, lon_rad)
        fr, fc = self._frac_rowcol(x, y)
        bad = np.flatnonzero(~np.atleast_1d(self._inside(fr, fc)))
        i = int(bad[0]) if bad.size else 0
        s, w, n, e = self.bounds_deg()
        raise TerrainError(
            f"the DEM does not cover {what} at {_fmt_lat(lat_deg[i])} {_fmt_lon(lon_deg[i])}; "
            f"it spans {_fmt_lat(s)} to {_fmt_lat(n)}, {_fmt_lon(w)} to {_fmt_lon(e)}; "
            "use a DEM that covers every site (or none, for smooth earth)",
            file=self.source,
        )

    def bounds_deg(self) -> tuple[float, float, float, float]:
        """(south, west, north, east) of the grid in WGS84 degrees (from its outline)."""
        rows, cols = self.shape
        edge_r = np.concatenate(
            [np.zeros(cols + 1), np.full(cols + 1, rows), np.arange(rows + 1), np.arange(rows + 1)]
        ).astype(np.float64)
        edge_c = np.concatenate(
            [np.arange(cols + 1), np.arange(cols + 1), np.zeros(rows + 1), np.full(rows + 1, cols)]
        ).astype(np.float64)
        t = self.transform
        x = t.a * edge_c + t.b * edge_r + t.c
        y = t.d * edge_c + t.e * edge_r + t.f
        lat, lon = self.xy_to_latlon(x, y)
        lat_d, lon_d = np.degrees(lat), np.degrees(lon)
        return float(lat_d.min()), float(lon_d.min()), float(lat_d.max()), float(lon_d.max())

    def cell_size_m(self) -> tuple[float, float]:
        """Approximate (row, col) cell size in metres at the grid's centre."""
        t = self.transform
        if not self.is_geographic:
            unit = self.crs.axis_info[0].unit_conversion_factor if self.crs.axis_info else 1.0
            return (
                math.hypot(t.b, t.e) * unit,
                math.hypot(t.a, t.d) * unit,
            )
        rows, cols = self.shape
        lat_c = math.radians(t.f + t.e * rows / 2 + t.d * cols / 2)
        geod = self.crs.ellipsoid
        a = geod.semi_major_metre
        f = 1.0 / geod.inverse_flattening if geod.inverse_flattening else 0.0
        e2 = f * (2 - f)
        s2 = math.sin(lat_c) ** 2
        m_rad = a * (1 - e2) / (1 - e2 * s2) ** 1.5
        n_rad = a / math.sqrt(1 - e2 * s2)
        dlat = math.radians(math.hypot(t.b, t.e))
        dlon = math.radians(math.hypot(t.a, t.d))
        return m_rad * dlat, n_rad * math.cos(lat_c) * dlon


def _fmt_lat(lat_deg: float) -> str:
    return f"{abs(lat_deg):.4f}°{'N' if lat_deg >= 0 else 'S'}"


def _fmt_lon(lon_deg: float) -> str:
    return f"{abs(lon_deg):.4f}°{'E' if lon_deg >= 0 else 'W'}"


# ---------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------
def load_dem(
    path: str | Path,
    *,
    surface_height_m: float = 0.0,
    max_fill_distance_cells: float = 16.0,
) -> Dem:
    """Read a DEM (band 1) from any raster GDAL reads, filling its nodata holes.

    Holes (nodata or NaN cells) are split into connected regions (8-connectivity). A
    region every cell of which lies within ``max_fill_distance_cells`` (Euclidean) of a
    valid cell is *small* and filled by inverse-distance interpolation from its edges
    (``rasterio.fill.fillnodata``, GDAL's GDALFillNodata); any other region (sea in SRTM
    tiles, large voids) is set to ``surface_height_m``. The counts land in
    ``n_filled_cells`` and ``n_surface_cells``.

    Raises :class:`TerrainError` (naming the file) when the file is missing, is not a
    raster, has no CRS (or one pyproj does not understand), or holds no valid height.
    """
    import rasterio
    import rasterio.errors

    p = Path(path)
    src_name = str(path)
    _refuse_non_local(src_name)
    if not p.exists():
        raise TerrainError("DEM file not found", file=src_name)
    if p.is_dir():
        raise TerrainError("DEM path is a directory, expected a raster file", file=src_name)
    _refuse_indirect_formats(p, src_name)
    try:
        with rasterio.Env(**GDAL_READ_OPTIONS), _open_local(p) as ds:
            if ds.count < 1:
                raise TerrainError("the raster has no bands", file=src_name)
            limit = _max_dem_cells()
            if ds.height * ds.width > limit:
                raise TerrainError(
                    f"the DEM has {ds.height:,} × {ds.width:,} cells, over the limit of {limit:,} "
                    "(crop it to the area of interest with gdalwarp -te, or set IADSIM_MAX_DEM_CELLS)",
                    file=src_name)
            rio_crs = ds.crs
            transform = ds.transform
            data = ds.read(1, masked=True)
    except TerrainError:
        raise
    except (rasterio.errors.RasterioError, OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if len(first) > 200:
            first = first[:199] + "…"
        raise TerrainError(
            f"cannot read the DEM as a raster (GeoTIFF, SRTM .hgt or another local format: "
            f"{', '.join(ALLOWED_DEM_DRIVERS)}): {first}",
            file=src_name,
        ) from None
    if rio_crs is None:
        raise TerrainError(
            "the DEM has no coordinate reference system; expected a georeferenced raster "
            "(e.g. EPSG:4326 or a UTM zone); add one with gdal_edit.py -a_srs",
            file=src_name,
        )
    try:
        crs = pyproj.CRS.from_wkt(rio_crs.to_wkt())
    except pyproj.exceptions.CRSError as exc:
        raise TerrainError(
            f"the DEM's CRS is not understood by pyproj: {exc}", file=src_name
        ) from None
    if transform.is_identity:
        raise TerrainError("the DEM has no geotransform (georeferencing)", file=src_name)

    heights = np.ma.getdata(data)
    valid = ~np.ma.getmaskarray(data)
    out_dtype = np.float64 if heights.dtype == np.float64 else np.float32
    heights = heights.astype(out_dtype, copy=True)
    valid &= np.isfinite(heights)
    if not valid.any():
        raise TerrainError("the DEM holds no valid height (every cell is nodata)", file=src_name)

    n_filled = n_surface = 0
    if not valid.all():
        heights, n_filled, n_surface = _fill_holes(
            heights,
            valid,
            surface_height_m=surface_height_m,
            max_fill_distance_cells=max_fill_distance_cells,
        )
    return Dem(
        height_m=heights,
        transform=transform,
        crs=crs,
        source=src_name,
        n_filled_cells=int(n_filled),
        n_surface_cells=int(n_surface),
    )


#: Largest DEM read, in cells (float32: 4 bytes each, plus hole filling); IADSIM_MAX_DEM_CELLS raises it.
MAX_DEM_CELLS = 400_000_000


def _max_dem_cells() -> int:
    raw = os.environ.get("IADSIM_MAX_DEM_CELLS", "")
    try:
        return int(raw) if raw.strip() else MAX_DEM_CELLS
    except ValueError:
        raise TerrainError(f"IADSIM_MAX_DEM_CELLS={raw[:40]!r} is not a whole number") from None


def dem_grid_info(path: str | Path) -> tuple[int, int, float]:
    """(rows, cols, approximate cell size in metres) of a DEM file, from its header only, with
    the same restrictions as :func:`load_dem` (local file, accepted drivers, no network)."""
    import rasterio
    import rasterio.errors

    src_name = str(path)
    _refuse_non_local(src_name)
    p = Path(path)
    if not p.is_file():
        raise TerrainError("DEM file not found", file=src_name)
    _refuse_indirect_formats(p, src_name)
    try:
        with rasterio.Env(**GDAL_READ_OPTIONS), _open_local(p) as ds:
            rows, cols, t, crs = ds.height, ds.width, ds.transform, ds.crs
    except (rasterio.errors.RasterioError, OSError, ValueError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise TerrainError(f"cannot read the DEM as a raster: {first}", file=src_name) from None
    size = math.hypot(t.a, t.d)
    if crs is not None and crs.is_geographic:
        size *= 111_320.0
    return int(rows), int(cols), float(size)


def load_scenario_dem(loaded, *, surface_height_m: float = 0.0) -> Dem | None:
    """The DEM a loaded scenario names (None for smooth earth), checked to cover every site.

    Every problem (missing, not an accepted raster, no CRS, a site outside) is a
    :class:`TerrainError` located at the scenario's ``environment.dem`` line, naming the DEM."""
    path = loaded.dem_path
    if path is None:
        return None
    line, col = loaded.located.where(("environment", "dem"))
    try:
        dem = load_dem(path, surface_height_m=surface_height_m)
        for s in loaded.scenario.sites:
            dem.require_covers(math.radians(s.lat_deg), math.radians(s.lon_deg), f"site {s.name!r}")
    except TerrainError as exc:
        raise TerrainError(f"DEM {path}: {exc.message}", file=loaded.source, line=line, column=col,
                           field="environment.dem") from None
    return dem


def dem_range_coverage(dem: Dem, lat_rad: float, lon_rad: float, range_m: float,
                       n_az: int = 72, n_rings: int = 40) -> float:
    """Fraction (0 … 1) of the disc of radius ``range_m`` around a point that the DEM covers,
    area-weighted over ``n_az`` × ``n_rings`` geodesic samples."""
    if range_m <= 0:
        return 1.0 if dem.covers(lat_rad, lon_rad) else 0.0
    az = np.radians(np.arange(n_az) * (360.0 / n_az))
    r = (np.arange(n_rings) + 0.5) / n_rings * range_m
    az_g, r_g = np.meshgrid(az, r)
    lat, lon = geodesic_forward(np.full(az_g.size, lat_rad), np.full(az_g.size, lon_rad), az_g.ravel(), r_g.ravel())
    x, y = dem.latlon_to_xy(lat, lon)
    fr, fc = dem._frac_rowcol(x, y)
    inside = dem._inside(fr, fc).reshape(r_g.shape)
    weights = r_g / r_g.sum()
    return float((inside * weights).sum())


def _open_local(p: Path):
    """Open ``p`` with the first of :data:`ALLOWED_DEM_DRIVERS` that reads it (GDAL tries no other
    driver, so no format that can reference URLs or other files is ever opened)."""
    import rasterio
    import rasterio.errors

    last: Exception | None = None
    for driver in ALLOWED_DEM_DRIVERS:
        try:
            return rasterio.open(p, driver=driver)
        except rasterio.errors.RasterioIOError as exc:
            last = exc
    raise rasterio.errors.RasterioIOError("no accepted driver recognises the file") from last


def _refuse_non_local(src_name: str) -> None:
    """GDAL virtual file systems and URLs are not DEM paths: iadsim reads local files only."""
    low = src_name.strip().lower()
    if low.startswith("/vsi") or "://" in low or low.startswith(("http:", "https:", "ftp:")):
        raise TerrainError("a DEM must be a local file; GDAL virtual paths (/vsicurl/, /vsizip/ …) "
                           "and URLs are not read (download the file first)", file=src_name)


def _refuse_indirect_formats(p: Path, src_name: str) -> None:
    """Refuse a VRT (or other XML description) whatever its name: it can make GDAL read URLs or
    arbitrary local files (``/etc/passwd`` as a raw band)."""
    try:
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise TerrainError(f"cannot read the DEM ({exc.strerror})", file=src_name) from None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") or b"vrtdataset" in text:
        raise TerrainError(
            "the DEM is a VRT or another XML raster description, which can point at URLs or other "
            "files and is not accepted; convert it to a GeoTIFF (gdal_translate in.vrt out.tif)",
            file=src_name)


def _fill_holes(
    heights: np.ndarray,
    valid: np.ndarray,
    *,
    surface_height_m: float,
    max_fill_distance_cells: float,
) -> tuple[np.ndarray, int, int]:
    """Fill small nodata regions by interpolation and set large ones to the surface."""
    from rasterio.fill import fillnodata
    from scipy import ndimage

    holes = ~valid
    labels, n_labels = ndimage.label(holes, structure=np.ones((3, 3), dtype=bool))
    dist = ndimage.distance_transform_edt(holes)
    far = ndimage.maximum(dist, labels=labels, index=np.arange(1, n_labels + 1))
    small_label = np.zeros(n_labels + 1, dtype=bool)
    small_label[1:] = np.asarray(far) <= max_fill_distance_cells
    small = small_label[labels] & holes
    large = holes & ~small

    out = heights
    n_small = int(small.sum())
    if n_small:
        work = out.astype(np.float32 if out.dtype == np.float32 else np.float64, copy=True)
        work[holes] = np.nan
        # Large holes are masked too, so small holes interpolate from real heights only.
        search = float(2 * math.ceil(max_fill_distance_cells) + 2)
        filled = fillnodata(
            work, mask=valid.astype(np.uint8), max_search_distance=search, smoothing_iterations=0
        )
        out = np.where(small, filled, out).astype(heights.dtype, copy=False)
        left = small & ~np.isfinite(out)
        if left.any():  # fillnodata's axis-limited search missed a cell: nearest valid value
            _, (ir, ic) = ndimage.distance_transform_edt(holes, return_indices=True)
            out[left] = heights[ir[left], ic[left]]
    out[large] = surface_height_m
    return out, n_small, int(large.sum())


# ---------------------------------------------------------------------------------------
# Writing and generating
# ---------------------------------------------------------------------------------------
def write_geotiff(dem: Dem, path: str | Path, *, compress: str | None = "deflate") -> Path:
    """Write ``dem`` as a single-band GeoTIFF (pixel-is-area, CRS as WKT)."""
    import rasterio
    from rasterio.crs import CRS as RioCRS

    p = Path(path)
    h = dem.height_m
    profile = dict(
        driver="GTiff",
        height=h.shape[0],
        width=h.shape[1],
        count=1,
        dtype=h.dtype.name,
        crs=RioCRS.from_wkt(dem.crs.to_wkt()),
        transform=dem.transform,
    )
    if compress:
        profile.update(compress=compress, predictor=3 if h.dtype.kind == "f" else 2)
    with rasterio.open(p, "w", **profile) as ds:
        ds.write(h, 1)
    return p


def utm_crs_for(lat_rad: float, lon_rad: float) -> pyproj.CRS:
    """The WGS84 UTM zone CRS (EPSG:326xx/327xx) containing a point."""
    lon_deg = (math.degrees(lon_rad) + 180.0) % 360.0 - 180.0
    zone = int((lon_deg + 180.0) // 6.0) + 1
    zone = min(max(zone, 1), 60)
    return pyproj.CRS.from_epsg((32600 if lat_rad >= 0 else 32700) + zone)


def _fractal_surface(
    shape: tuple[int, int], rng: np.random.Generator, *, corr_len_cells: float, hurst: float
) -> np.ndarray:
    """Zero-mean, unit-range fractal (fBm-like) surface by spectral synthesis.

    White Gaussian noise is filtered in the Fourier domain with amplitude
    ``(f**2 + f0**2) ** (-(hurst + 1) / 2)`` (power spectrum ~ f^-(2H+2), the classic
    fractional-Brownian surface of Voss 1988, "Fractals in nature", in *The Science of
    Fractal Images*), with ``f0 = 1/corr_len`` rolling off the largest scales.
    """
    rows, cols = shape
    noise = rng.standard_normal(shape)
    spec = np.fft.rfft2(noise)
    fy = np.fft.fftfreq(rows)[:, None]
    fx = np.fft.rfftfreq(cols)[None, :]
    f0 = 1.0 / max(corr_len_cells, 2.0)
    amp = (fy * fy + fx * fx + f0 * f0) ** (-(hurst + 1.0) / 2.0)
    spec *= amp
    surf = np.fft.irfft2(spec, s=shape)
    surf -= surf.min()
    rng_span = surf.max()
    if rng_span > 0:
        surf /= rng_span
    return surf


def synthetic_dem(
    shape: tuple[int, int] = (257, 257),
    spacing_m: float = 30.0,
    *,
    rng: np.random.Generator | None = None,
    center_lat_rad: float = math.radians(40.08),
    center_lon_rad: float = math.radians(32.57),
    geographic: bool = False,
    spacing_deg: float | None = None,
    base_height_m: float = 800.0,
    relief_m: float = 1200.0,
    corr_len_m: float = 20_000.0,
    hurst: float = 0.8,
    n_hills: int = 6,
    flat: bool = False,
    dtype=np.float32,
) -> Dem:
    """Generated terrain for tests and for scenarios without a DEM.

    Heights are ``base_height_m + relief_m * g`` where ``g`` in [0, 1] is a fractal
    surface (spectral synthesis, :func:`_fractal_surface`) plus ``n_hills`` Gaussian hills
    and ridges, squared to flatten valleys and sharpen crests (a common trick for
    plausible relief). ``flat=True`` gives a constant ``base_height_m`` and needs no ``rng``.

    The grid is centred on (``center_lat_rad``, ``center_lon_rad``) with the centre point
    at the centre of the middle cell for odd sizes. ``geographic=False`` puts it in the
    WGS84 UTM zone of the centre with square ``spacing_m`` cells; ``geographic=True`` in
    EPSG:4326 with square cells of ``spacing_deg`` degrees (default
    ``spacing_m / 111_320``, like SRTM's 1"/3" tiles, whose cells are narrower in metres
    east-west than north-south).
    """
    rows, cols = int(shape[0]), int(shape[1])
    if rows < 2 or cols < 2:
        raise ValueError("a DEM needs at least 2 x 2 cells")
    if flat:
        heights = np.full((rows, cols), base_height_m, dtype=dtype)
    else:
        if rng is None:
            raise ValueError("synthetic_dem needs an explicit numpy.random.Generator (rng=...)")
        g = _fractal_surface((rows, cols), rng, corr_len_cells=corr_len_m / spacing_m, hurst=hurst)
        yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float64)
        for _ in range(int(n_hills)):
            r0, c0 = rng.uniform(0, rows), rng.uniform(0, cols)
            sig_long = rng.uniform(0.05, 0.25) * max(rows, cols)
            sig_short = sig_long * rng.uniform(0.15, 1.0)
            th = rng.uniform(0, np.pi)
            dr, dc = yy - r0, xx - c0
            u = dc * np.cos(th) + dr * np.sin(th)
            v = -dc * np.sin(th) + dr * np.cos(th)
            g += rng.uniform(0.2, 0.6) * np.exp(-0.5 * ((u / sig_long) ** 2 + (v / sig_short) ** 2))
        g -= g.min()
        if g.max() > 0:
            g /= g.max()
        heights = (base_height_m + relief_m * g * g).astype(dtype)

    if geographic:
        crs = _WGS84
        step = float(spacing_deg) if spacing_deg else spacing_m / 111_320.0
        lon0 = math.degrees(center_lon_rad) - cols / 2.0 * step
        lat0 = math.degrees(center_lat_rad) + rows / 2.0 * step
        transform = Affine(step, 0.0, lon0, 0.0, -step, lat0)
    else:
        crs = utm_crs_for(center_lat_rad, center_lon_rad)
        to_utm = pyproj.Transformer.from_crs(_WGS84, crs, always_xy=True)
        xc, yc = to_utm.transform(math.degrees(center_lon_rad), math.degrees(center_lat_rad))
        x0 = xc - cols / 2.0 * spacing_m
        y0 = yc + rows / 2.0 * spacing_m
        transform = Affine(spacing_m, 0.0, x0, 0.0, -spacing_m, y0)
    kind = "flat" if flat else "fractal"
    return Dem(height_m=heights, transform=transform, crs=crs, source=f"generated ({kind})")


def flat_local_dem(lat_rad: float, lon_rad: float, half_width_m: float, spacing_m: float) -> Dem:
    """A zero-height grid in a local azimuthal-equidistant CRS centred on a point.

    Used when a scenario has no DEM (smooth earth): the point is at the centre of the
    middle cell of a ``(2n+1) x (2n+1)`` grid, ``n = ceil(half_width_m / spacing_m)``.
    """
    if half_width_m <= 0 or spacing_m <= 0:
        raise ValueError("half_width_m and spacing_m must be positive")
    n = int(math.ceil(half_width_m / spacing_m))
    size = 2 * n + 1
    crs = pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={math.degrees(lat_rad)!r} +lon_0={math.degrees(lon_rad)!r} "
        "+x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    )
    half = size / 2.0 * spacing_m
    transform = Affine(spacing_m, 0.0, -half, 0.0, -spacing_m, half)
    return Dem(
        height_m=np.zeros((size, size), dtype=np.float32),
        transform=transform,
        crs=crs,
        source="generated (flat, local azimuthal equidistant)",
    )


def window_around(dem: Dem, lat_rad: float, lon_rad: float, radius_m: float) -> Dem:
    """The part of ``dem`` within ``radius_m`` (geodesic) of a point, as a rectangular window in
    its own CRS (the whole DEM when the circle reaches past every edge)."""
    az = np.radians(np.arange(0.0, 360.0, 5.0))
    lat_b, lon_b = geodesic_forward(np.full(az.shape, lat_rad), np.full(az.shape, lon_rad), az,
                                    np.full(az.shape, radius_m))
    x, y = dem.latlon_to_xy(np.append(lat_b, lat_rad), np.append(lon_b, lon_rad))
    cols, rows = ~dem.transform @ (np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    n_rows, n_cols = dem.shape
    r0 = int(max(0, math.floor(np.nanmin(rows)) - 1))
    r1 = int(min(n_rows, math.ceil(np.nanmax(rows)) + 1))
    c0 = int(max(0, math.floor(np.nanmin(cols)) - 1))
    c1 = int(min(n_cols, math.ceil(np.nanmax(cols)) + 1))
    if (r0, c0, r1, c1) == (0, 0, n_rows, n_cols):
        return dem
    return dataclasses.replace(
        dem, height_m=np.ascontiguousarray(dem.height_m[r0:r1, c0:c1]),
        transform=dem.transform @ Affine.translation(c0, r0),
    )
