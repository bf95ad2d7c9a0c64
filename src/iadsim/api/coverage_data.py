"""Coverage as an ``xarray.Dataset``, and the tables and polygons derived from it.

Layout of the Dataset (:func:`coverage_dataset`): **merged over sites on one grid**, with a
``site`` dimension. Every site's products are computed on a window of the scenario's one DEM grid
(:meth:`iadsim.world.World.site_window`); the Dataset spans the union of those windows in the DEM's
own CRS and cells, so nothing is resampled, and cells outside a site's window or computed radius
are ``NaN`` (Pd) or ``False`` (masks), with ``valid`` saying which is which.

Dimensions ``site``, ``class`` (threat class), ``altitude`` (m, above ``altitude_ref``), ``y``,
``x`` (cell centres in the CRS), and ``radar`` (one per placed radar, named ``site/equipment``).

Variables

* ``pd`` (site, class, altitude, y, x), float32: Pd of the site's best radar, 1;
* ``detection``, ``track``, ``engagement`` (site, class, altitude, y, x), bool: the coverage
  products of :mod:`iadsim.coverage.compute` (``engagement`` all False at a site without
  launchers);
* ``radar_detection`` (radar, class, altitude, y, x), bool: Pd ≥ threshold per radar;
  ``radar_pd`` (float32) too when asked for (``per_radar=True``; it is large);
* ``valid`` (site, y, x), bool: inside the site's computed radius;
* ``ground_range_m``, ``azimuth_rad`` (site, y, x), float64: from the site, geodesic; azimuth
  clockwise from true north (kept as computed, so tables derived from the Dataset match the CLI's);
* ``terrain_m`` (y, x), float32: the DEM heights (MSL, m).

CRS and transform are on the ``spatial_ref`` coordinate (rioxarray: ``ds.rio.crs``,
``ds.rio.transform()``); attributes carry units, the Pd threshold, the k-factor and the catalog
sources of the equipment and threat classes. The Dataset is self-contained: written with
``to_netcdf`` and read back, :func:`range_rings` and :func:`coverage_polygons` give the same
answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from affine import Affine

from iadsim.coverage.compute import CoverageResult, sector_reach

if TYPE_CHECKING:  # pragma: no cover
    import geopandas
    import pandas
    import xarray

__all__ = ["coverage_dataset", "coverage_polygons", "range_rings", "range_ring_frame"]

PRODUCTS = ("detection", "track", "engagement")
RING_COLUMNS = ["site", "product", "radar", "threat_class", "altitude_m", "altitude_ref", "sector_from_deg",
                "sector_to_deg", "nominal_km", "reach_km", "area_within_ring_pct"]


# ----------------------------------------------------------------------------- the grid
def _offsets(result: CoverageResult) -> tuple[list[tuple[int, int]], tuple[int, int, int, int]]:
    """Row/column offset of every site window in the DEM grid, and the union (r0, c0, r1, c1)."""
    base = result.world.dem.transform
    inv = ~base
    offs = []
    for sc in result.sites:
        t = sc.dem.transform
        c, r = inv @ (t.c, t.f)
        offs.append((int(round(r)), int(round(c))))
    r0 = min(r for r, _ in offs)
    c0 = min(c for _, c in offs)
    r1 = max(r + sc.valid.shape[0] for (r, _), sc in zip(offs, result.sites))
    c1 = max(c + sc.valid.shape[1] for (_, c), sc in zip(offs, result.sites))
    return offs, (r0, c0, r1, c1)


def _sources(result: CoverageResult) -> list[str]:
    world = result.world
    names = {r.equipment for r in world.radars} | {lg.equipment for lg in world.launchers}
    names |= {m.name for lg in world.launchers for m in lg.missiles}
    names |= set(result.sites[0].classes if result.sites else [])
    ids: set[str] = set()
    for name in sorted(names):
        if name in world.catalog:
            for _, fig in world.catalog.figures(name):
                ids.update(fig.sources)
    cat = world.catalog.sources
    out = []
    for i in sorted(ids):
        src = cat.get(i)
        title = getattr(src, "title", None)
        out.append(f"{i}: {title}, {getattr(src, 'publisher', '')}".rstrip(", ") if title else i)
    return out


@dataclass
class _Grid:
    """The union of the site windows in the DEM grid: offsets of each window, shape, transform."""

    offsets: list[tuple[int, int]]  # (row, col) of each site window inside the union
    shape: tuple[int, int]
    transform: Affine
    rows: slice  # of the DEM
    cols: slice


def _union_grid(result: CoverageResult) -> _Grid:
    offs, (r0, c0, r1, c1) = _offsets(result)
    return _Grid(offsets=[(r - r0, c - c0) for r, c in offs], shape=(r1 - r0, c1 - c0),
                 transform=result.world.dem.transform @ Affine.translation(c0, r0),
                 rows=slice(r0, r1), cols=slice(c0, c1))


def _arrays(result: CoverageResult, grid: _Grid, per_radar: bool) -> dict[str, np.ndarray]:
    """Every site's (and radar's) layers placed on the union grid; NaN/False outside a window."""
    first = result.sites[0]
    ns, nc, na = len(result.sites), len(first.classes), len(first.altitudes_m)
    ny, nx = grid.shape
    radars = [rl for sc in result.sites for rl in sc.radars]
    out: dict[str, np.ndarray] = {
        "pd": np.full((ns, nc, na, ny, nx), np.nan, dtype=np.float32),
        **{p: np.zeros((ns, nc, na, ny, nx), dtype=bool) for p in PRODUCTS},
        "valid": np.zeros((ns, ny, nx), dtype=bool),
        "ground_range_m": np.full((ns, ny, nx), np.nan, dtype=np.float64),
        "azimuth_rad": np.full((ns, ny, nx), np.nan, dtype=np.float64),
        "radar_detection": np.zeros((len(radars), nc, na, ny, nx), dtype=bool),
    }
    if per_radar:
        out["radar_pd"] = np.full((len(radars), nc, na, ny, nx), np.nan, dtype=np.float32)
    ri = 0
    for si, (sc, (r, c)) in enumerate(zip(result.sites, grid.offsets)):
        win = (slice(r, r + sc.valid.shape[0]), slice(c, c + sc.valid.shape[1]))
        cube = (slice(None), slice(None)) + win
        v = sc.valid
        out["valid"][(si,) + win] = v
        out["ground_range_m"][(si,) + win] = np.where(v, sc.ground_range_m, np.nan)
        out["azimuth_rad"][(si,) + win] = np.where(v, sc.az_rad, np.nan)
        out["pd"][(si,) + cube] = np.where(v, sc.pd_max, np.nan)
        for p, arr in sc.products().items():
            out[p][(si,) + cube] = arr & v
        for rl in sc.radars:
            out["radar_detection"][(ri,) + cube] = (rl.pd >= sc.pd_threshold) & v
            if per_radar:
                out["radar_pd"][(ri,) + cube] = np.where(v, rl.pd, np.nan)
            ri += 1
    out["terrain_m"] = np.asarray(result.world.dem.height_m[grid.rows, grid.cols], dtype=np.float32)
    return out


_VARIABLES = {  # name: (dims, attributes)
    "pd": (("site", "class", "altitude", "y", "x"),
           {"long_name": "probability of detection, best radar of the site", "units": "1"}),
    "detection": (("site", "class", "altitude", "y", "x"),
                  {"long_name": "detection: Pd >= threshold, any radar of the site"}),
    "track": (("site", "class", "altitude", "y", "x"), {"long_name": "track: P(M of N detections) >= threshold"}),
    "engagement": (("site", "class", "altitude", "y", "x"),
                   {"long_name": "engagement: detection and fire-control radar detection and missile envelope"}),
    "radar_detection": (("radar", "class", "altitude", "y", "x"),
                        {"long_name": "detection by one radar: Pd >= threshold"}),
    "radar_pd": (("radar", "class", "altitude", "y", "x"),
                 {"long_name": "probability of detection of one radar", "units": "1"}),
    "valid": (("site", "y", "x"), {"long_name": "inside the site's computed radius"}),
    "ground_range_m": (("site", "y", "x"), {"long_name": "geodesic ground range from the site", "units": "m"}),
    "azimuth_rad": (("site", "y", "x"), {"long_name": "azimuth from the site, clockwise from true north",
                                         "units": "rad"}),
    "terrain_m": (("y", "x"), {"long_name": "terrain height above mean sea level", "units": "m"}),
}


def _coords(result: CoverageResult, grid: _Grid) -> dict[str, Any]:
    first = result.sites[0]
    radars = [rl.radar for sc in result.sites for rl in sc.radars]
    t, (ny, nx) = grid.transform, grid.shape
    nominal_eng = [sc.nominal_engagement_m / 1e3 if sc.nominal_engagement_m else np.nan for sc in result.sites]
    return {
        "site": ("site", [sc.site.name for sc in result.sites]),
        "class": ("class", list(first.classes)),
        "altitude": ("altitude", np.asarray(first.altitudes_m, dtype=np.float64),
                     {"units": "m", "long_name": f"target altitude above {first.altitude_ref.value.upper()}"}),
        "y": ("y", t.f + t.e * (np.arange(ny) + 0.5)),
        "x": ("x", t.c + t.a * (np.arange(nx) + 0.5)),
        "radar": ("radar", _radar_labels(radars)),
        "site_lat_deg": ("site", [math.degrees(sc.site.lat_rad) for sc in result.sites], {"units": "degree_north"}),
        "site_lon_deg": ("site", [math.degrees(sc.site.lon_rad) for sc in result.sites], {"units": "degree_east"}),
        "site_nominal_detection_km": ("site", [sc.nominal_detection_m / 1e3 for sc in result.sites], {"units": "km"}),
        "site_nominal_engagement_km": ("site", nominal_eng, {"units": "km"}),
        "radar_site": ("radar", [r.site for r in radars]),
        "radar_equipment": ("radar", [r.equipment for r in radars]),
        "radar_band": ("radar", [r.band for r in radars]),
        "radar_mast_m": ("radar", [float(r.mast_m) for r in radars], {"units": "m"}),
        "radar_nominal_km": ("radar", [r.reference_range_m / 1e3 for r in radars], {"units": "km"}),
    }


def _attrs(result: CoverageResult) -> dict[str, Any]:
    import iadsim

    world, first = result.world, result.sites[0]
    cs = world.scenario.coverage
    notes = list(world.notes) + [n for sc in result.sites for n in sc.notes]
    return {
        "title": f"iadsim coverage: {world.scenario.name}",
        "Conventions": "CF-1.8",
        "iadsim_version": str(iadsim.__version__),
        "scenario": world.scenario.name,
        "scenario_source": str(world.loaded.source),
        "pd_threshold": float(first.pd_threshold),
        "k_factor": float(world.k_factor),
        "altitude_ref": first.altitude_ref.value,
        "track_m_of_n": np.asarray(cs.track_m_of_n, dtype=np.int64),
        "sector_deg": float(cs.sector_deg),
        "dem_source": str(world.dem.source),
        "dem_generated": int(bool(world.dem_is_generated)),
        "layout": "merged: one grid (the union of the site windows of the DEM), with a site dimension",
        "sources": "\n".join(_sources(result)),
        "notes": "\n".join(notes),
    }


def coverage_dataset(result: CoverageResult, *, per_radar: bool = False) -> xarray.Dataset:
    """The coverage of every site as one :class:`xarray.Dataset` (module docstring).

    Parameters
    ----------
    result : what :func:`iadsim.coverage.compute.compute_coverage` returned.
    per_radar : also hold every radar's Pd (``radar_pd``, float32 per radar, class, altitude, cell).

    Returns
    -------
    xarray.Dataset with CRS and transform written by rioxarray.
    """
    import rioxarray  # noqa: F401  (registers the .rio accessor)
    import xarray as xr

    if not result.sites:
        raise ValueError("the coverage result has no sites")
    grid = _union_grid(result)
    arrays = _arrays(result, grid, per_radar)
    data = {name: (_VARIABLES[name][0], arr, _VARIABLES[name][1]) for name, arr in arrays.items()}
    ds = xr.Dataset(data, coords=_coords(result, grid), attrs=_attrs(result))
    crs = result.world.dem.crs
    ds["x"].attrs.update(_axis_attrs(crs, "x"))
    ds["y"].attrs.update(_axis_attrs(crs, "y"))
    ds = ds.rio.set_spatial_dims(x_dim="x", y_dim="y").rio.write_crs(crs.to_wkt())
    return ds.rio.write_transform(grid.transform).rio.write_coordinate_system()


def _radar_labels(radars: list[Any]) -> list[str]:
    labels: list[str] = []
    for r in radars:
        base = f"{r.site}/{r.equipment}"
        label, k = base, 2
        while label in labels:
            label, k = f"{base}#{k}", k + 1
        labels.append(label)
    return labels


def _axis_attrs(crs: Any, axis: str) -> dict[str, str]:
    if crs.is_geographic:
        return ({"standard_name": "longitude", "units": "degrees_east", "axis": "X"} if axis == "x" else
                {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"})
    return ({"standard_name": "projection_x_coordinate", "units": "m", "axis": "X"} if axis == "x" else
            {"standard_name": "projection_y_coordinate", "units": "m", "axis": "Y"})


# ----------------------------------------------------------------------------- range rings
def _cell_area_km2(ds: xarray.Dataset) -> np.ndarray:
    t = ds.rio.transform()
    if ds.rio.crs is not None and ds.rio.crs.is_geographic:
        lat = np.radians(ds["y"].values)
        m_per_deg = 111_320.0
        return ((abs(t.a) * m_per_deg * np.cos(lat)) * (abs(t.e) * m_per_deg) / 1e6)[:, None]
    return np.array([[abs(t.a * t.e) / 1e6]])


def _rows_from_dataset(ds: xarray.Dataset, sector_deg: float) -> list[dict[str, Any]]:
    sec = math.radians(sector_deg)
    weight = _cell_area_km2(ds)
    ref = str(ds.attrs.get("altitude_ref", ""))
    classes = [str(c) for c in ds["class"].values]
    alts = [float(a) for a in ds["altitude"].values]
    out: list[dict[str, Any]] = []
    for si, site in enumerate(str(s) for s in ds["site"].values):
        v = ds["valid"].values[si]
        gr = np.nan_to_num(ds["ground_range_m"].values[si].astype(np.float64), nan=np.inf)
        az = np.nan_to_num(ds["azimuth_rad"].values[si].astype(np.float64))
        groups: list[tuple[str, str, np.ndarray, float]] = []
        for ri in np.flatnonzero(ds["radar_site"].values == site):
            groups.append(("detection", str(ds["radar_equipment"].values[ri]), ds["radar_detection"].values[ri],
                           float(ds["radar_nominal_km"].values[ri]) * 1e3))
        nominal_det_m = float(ds["site_nominal_detection_km"].values[si]) * 1e3
        groups.append(("track", "site", ds["track"].values[si], nominal_det_m))
        eng_km = float(ds["site_nominal_engagement_km"].values[si])
        if math.isfinite(eng_km) and eng_km > 0:
            groups.append(("engagement", "site", ds["engagement"].values[si], eng_km * 1e3))
        for product, radar, arr, nominal_m in groups:
            for ci, cls in enumerate(classes):
                for a, alt in enumerate(alts):
                    reach, frac = sector_reach(arr[ci, a], gr, az, v, sec, nominal_m, weight)
                    out.append(_ring_record(site, product, radar, cls, alt, ref, nominal_m / 1e3, reach / 1e3, frac))
    return out


def _ring_record(site: str, product: str, radar: str, cls: str, alt: float, ref: str, nominal_km: float,
                 reach_km: np.ndarray, frac: np.ndarray) -> dict[str, Any]:
    return {"site": site, "product": product, "radar": radar, "threat_class": cls, "altitude_m": float(alt),
            "altitude_ref": ref, "nominal_km": float(nominal_km), "reach_km": np.asarray(reach_km, float),
            "area_fraction": np.asarray(frac, float)}


def ring_records(rows: list[Any]) -> list[dict[str, Any]]:
    """Coverage ``RingRow``s (:func:`iadsim.coverage.products.range_ring_rows`) as the records
    :func:`range_ring_frame` takes."""
    return [{"site": r.site, "product": r.product, "radar": r.radar, "threat_class": r.threat_class,
             "altitude_m": float(r.altitude_m), "altitude_ref": r.altitude_ref, "nominal_km": float(r.nominal_km),
             "reach_km": np.asarray(r.reach_km, float), "area_fraction": np.asarray(r.area_fraction, float)}
            for r in rows]


def range_ring_frame(records: list[dict[str, Any]], sector_deg: float, *, summary: bool = False) -> pandas.DataFrame:
    """Range-ring records as the CLI's ``range_ring_vs_physics.csv`` (one row per sector, unrounded)
    or, with ``summary``, as ``range_ring_summary.csv`` (one row per site × product × radar × class ×
    altitude: min/median/max reach over sectors)."""
    import pandas as pd

    if summary:
        rows = [{**{k: r[k] for k in ("site", "product", "radar", "threat_class", "altitude_m", "altitude_ref",
                                      "nominal_km")},
                 "reach_min_km": float(np.min(r["reach_km"])), "reach_median_km": float(np.median(r["reach_km"])),
                 "reach_max_km": float(np.max(r["reach_km"])),
                 "area_within_ring_pct": 100.0 * float(np.mean(r["area_fraction"]))} for r in records]
        return pd.DataFrame(rows, columns=["site", "product", "radar", "threat_class", "altitude_m", "altitude_ref",
                                           "nominal_km", "reach_min_km", "reach_median_km", "reach_max_km",
                                           "area_within_ring_pct"])
    rows = []
    for r in records:
        for i, (reach, frac) in enumerate(zip(r["reach_km"], r["area_fraction"])):
            rows.append([r["site"], r["product"], r["radar"], r["threat_class"], r["altitude_m"], r["altitude_ref"],
                         i * sector_deg, (i + 1) * sector_deg, r["nominal_km"], float(reach), 100.0 * float(frac)])
    return pd.DataFrame(rows, columns=RING_COLUMNS)


def range_rings(coverage: Any, *, summary: bool = False, sector_deg: float | None = None) -> pandas.DataFrame:
    """The "range ring vs physics" table as a DataFrame: per site, product (detection per radar,
    track and engagement per site), threat class, altitude and azimuth sector, the farthest covered
    ground range against the published (nominal) range.

    Parameters
    ----------
    coverage : a coverage Dataset (:func:`iadsim.coverage`, also one read back from netCDF), or an
        in-memory result that holds one (:func:`iadsim.run`).
    summary : one row per site × product × radar × class × altitude (min/median/max over sectors).
    sector_deg : sector width; default: the scenario's ``coverage.sector_deg``.

    Returns
    -------
    pandas.DataFrame with the columns of the CLI's ``range_ring_vs_physics.csv`` (or
    ``range_ring_summary.csv``), unrounded.
    """
    ds = getattr(coverage, "coverage", coverage)
    if ds is None or not hasattr(ds, "data_vars") or "radar_detection" not in ds.data_vars:
        from iadsim.errors import IadsimError

        raise IadsimError(f"range_rings takes a coverage Dataset from iadsim.coverage() or a result of iadsim.run(), "
                          f"got {type(coverage).__name__}")
    sector = float(sector_deg if sector_deg is not None else ds.attrs.get("sector_deg", 10.0))
    return range_ring_frame(_rows_from_dataset(ds, sector), sector, summary=summary)


# ----------------------------------------------------------------------------- polygons
def coverage_polygons(coverage: Any, product: str = "detection", *,
                      simplify_cells: float = 0.5) -> geopandas.GeoDataFrame:
    """Coverage areas as polygons in WGS84 (EPSG:4326): one row per site × class × altitude, with
    the covered area in km², as the CLI's ``coverage/<product>.geojson``.

    Parameters
    ----------
    coverage : a coverage Dataset, or a result of :func:`iadsim.run`.
    product : ``detection``, ``track`` or ``engagement``.
    simplify_cells : Douglas–Peucker tolerance in cells.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    import geopandas as gpd
    import rasterio.features
    import shapely
    from pyproj import CRS, Transformer
    from shapely.geometry import shape

    from iadsim.errors import IadsimError

    ds = getattr(coverage, "coverage", coverage)
    if product not in PRODUCTS:
        raise IadsimError(f"unknown coverage product {product!r}; expected one of {', '.join(PRODUCTS)}")
    t = ds.rio.transform()
    crs = CRS.from_user_input(ds.rio.crs.to_wkt())
    to_ll = None if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True) else \
        Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
    area = np.broadcast_to(_cell_area_km2(ds), ds["terrain_m"].shape)
    rows, geoms = [], []
    arr = ds[product].values
    for si, site in enumerate(str(s) for s in ds["site"].values):
        for ci, cls in enumerate(str(c) for c in ds["class"].values):
            for a, alt in enumerate(float(v) for v in ds["altitude"].values):
                mask = arr[si, ci, a]
                geom = None
                if mask.any():
                    parts = [shape(g) for g, v in rasterio.features.shapes(mask.astype(np.uint8), mask=mask,
                                                                            transform=t) if v == 1]
                    geom = shapely.union_all(parts).simplify(abs(t.a) * simplify_cells, preserve_topology=True)
                    if to_ll is not None:
                        geom = shapely.transform(geom, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
                rows.append({"site": site, "product": product, "threat_class": cls, "altitude_m": alt,
                             "altitude_ref": str(ds.attrs.get("altitude_ref", "")),
                             "pd_threshold": float(ds.attrs.get("pd_threshold", np.nan)),
                             "area_km2": float(area[mask].sum())})
                geoms.append(geom)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")
