"""The scenario file format, as pydantic models.

Units are in the field names and are the user's units (degrees, metres, km, m/s);
``iadsim.world`` converts them to SI and radians once. Equipment is named from the
catalog; a validation context ``{"catalog": Catalog}`` lets the models check names and
kinds, so a typo is reported at its line in the scenario file.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import math
import re
import typing
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from iadsim.io import LocatedValueError, quote, unwrap_annotation

FORMAT_VERSION = 1


@functools.lru_cache(maxsize=None)
def _number_kind(annotation: Any) -> str | None:
    """"one" for an int/float field (also inside ``Annotated``/``| None``), "items" for a list or
    tuple of numbers, None otherwise."""
    t = unwrap_annotation(annotation)
    if t in (int, float):
        return "one"
    if typing.get_origin(t) is Literal and all(type(a) in (int, float) for a in typing.get_args(t)):
        return "one"  # e.g. the format version `scenario: 1`
    if typing.get_origin(t) in (list, tuple):
        args = [unwrap_annotation(a) for a in typing.get_args(t) if a is not Ellipsis]
        if args and all(a in (int, float) for a in args):
            return "items"
    return None


@functools.lru_cache(maxsize=None)
def _field_number_kind(model: type[BaseModel], name: str) -> str | None:
    field = model.__pydantic_fields__.get(name)
    return _number_kind(field.annotation) if field is not None else None


def _not_a_number(v: Any) -> str | None:
    if isinstance(v, bool):
        return f"expected a number, got the boolean {str(v).lower()}"
    if isinstance(v, (str, bytes)):
        try:
            float(v)
            hint = " (write numbers without quotes)"
        except ValueError:
            hint = ""
        return f"expected a number, got the text {quote(v, 40)}{hint}"
    return None


class _Model(BaseModel):
    """Base of every scenario model: unknown keys refused, frozen, and numbers strict: a boolean
    (``true``) or a string (``"60"``) is never taken as a number, in any field declared ``int`` or
    ``float`` (or a list/tuple of them), including fields added later by subclasses."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_numbers(cls, v: Any, info: ValidationInfo) -> Any:
        kind = _field_number_kind(cls, info.field_name or "")
        if kind == "one":
            problem = _not_a_number(v)
            if problem:
                raise ValueError(problem)
        elif kind == "items" and isinstance(v, (list, tuple)):
            for i, item in enumerate(v):
                problem = _not_a_number(item)
                if problem:
                    raise LocatedValueError(problem, i)
        return v


Finite = Annotated[float, Field(allow_inf_nan=False)]
LatDeg = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False,
                                description="Geodetic latitude, degrees (WGS84), −90 … 90.")]
LonDeg = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False,
                                description="Longitude, degrees (WGS84), −180 … 180.")]
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[\w][\w .\-/()]*$",
                            description="A name: letters, digits, spaces, . - / ( ) _")]


class AltRef(str, Enum):
    """What an altitude is measured from."""

    agl = "agl"  # above ground level (terrain following)
    msl = "msl"  # above mean sea level


class Surface(str, Enum):
    """The surface outside the DEM and in its large nodata holes."""

    land = "land"
    water = "water"


def _check_catalog_name(value: str, info: ValidationInfo, kind: str) -> str:
    catalog = (info.context or {}).get("catalog")
    if catalog is None:
        return value
    known = list(catalog.names(kind))
    if value in known:
        return value
    any_kind = list(catalog.names())
    if value in any_kind:
        raise ValueError(f"{quote(value)} is in the catalog but is not a {kind}; {kind}s: {', '.join(known)}")
    close = difflib.get_close_matches(value[:200], known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(f"unknown {kind} {quote(value)}{hint}; known {kind}s: {', '.join(known)}")


class Sector(_Model):
    """An azimuth sector, clockwise from ``az_min_deg`` to ``az_max_deg`` (true north = 0)."""

    az_min_deg: Finite = Field(ge=-360.0, le=360.0)
    az_max_deg: Finite = Field(ge=-360.0, le=360.0)

    @model_validator(mode="after")
    def _not_empty(self) -> Sector:
        if self.az_min_deg == self.az_max_deg:
            raise LocatedValueError("az_min_deg equals az_max_deg: the sector is empty (omit `sector` for 360°)",
                                    "az_max_deg")
        return self


class RadarPlacement(_Model):
    """A radar from the catalog placed at a site."""

    equipment: str = Field(description="Radar name from the catalog, e.g. 92N6E.")
    mast_m: Finite | None = Field(
        default=None, ge=0.0, le=500.0,
        description="Antenna height above ground, metres; default: the catalog's typical mast height.",
    )
    sector: Sector | None = Field(default=None, description="Azimuth limits; omit for the catalog's coverage.")
    revisit_s: Finite | None = Field(
        default=None, gt=0.0, le=600.0,
        description="Time between looks at a target, s; default: the catalog's figure (needed for tracking).",
    )

    @field_validator("equipment")
    @classmethod
    def _known(cls, v: str, info: ValidationInfo) -> str:
        return _check_catalog_name(v, info, "radar")


class LauncherPlacement(_Model):
    """Launchers of one type at a site, with their missile load."""

    equipment: str = Field(description="Launcher name from the catalog, e.g. 5P85SE2.")
    count: int = Field(default=1, ge=1, le=100)
    load: dict[str, int] | None = Field(
        default=None,
        description="Missiles per launcher by catalog name, e.g. {48N6E3: 4}; default: the catalog's first load-out.",
    )

    @field_validator("equipment")
    @classmethod
    def _known(cls, v: str, info: ValidationInfo) -> str:
        return _check_catalog_name(v, info, "launcher")

    @field_validator("load")
    @classmethod
    def _known_missiles(cls, v: dict[str, int] | None, info: ValidationInfo) -> dict[str, int] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("load is empty; give at least one missile, e.g. {48N6E3: 4}")
        for name, n in v.items():
            try:
                _check_catalog_name(str(name), info, "missile")
            except ValueError as exc:
                raise LocatedValueError(str(exc), name) from None
            if isinstance(n, bool) or not isinstance(n, int) or n < 1 or n > 64:
                raise LocatedValueError(f"missile count for {quote(name)} must be a whole number 1 … 64", name)
        return v


class Site(_Model):
    """A deployed position: radars and launchers around one point."""

    name: Name
    lat_deg: LatDeg
    lon_deg: LonDeg
    ground_alt_m: Finite | None = Field(
        default=None, ge=-500.0, le=9000.0,
        description="Ground height above MSL; default: from the DEM, or 0 with no DEM.",
    )
    radars: list[RadarPlacement] = Field(default_factory=list)
    launchers: list[LauncherPlacement] = Field(default_factory=list)
    links: list[str] = Field(
        default_factory=list, description="Other sites whose tracks this site may use to engage."
    )

    @model_validator(mode="after")
    def _has_equipment(self) -> Site:
        if not self.radars and not self.launchers:
            raise LocatedValueError("a site needs at least one radar or launcher", "radars")
        return self


class Waypoint(_Model):
    """A route point. The threat flies to it along the geodesic at ``speed_mps``."""

    lat_deg: LatDeg
    lon_deg: LonDeg
    alt_m: Finite = Field(ge=-500.0, le=100_000.0, description="Altitude, metres, above `alt_ref`.")
    alt_ref: AltRef = Field(default=AltRef.msl, description="msl or agl (terrain following).")
    speed_mps: Finite = Field(gt=0.0, le=10_000.0, description="Ground speed on the leg ending here, m/s.")


class Threat(_Model):
    """A threat (or a group of identical threats) flying a route."""

    name: Name
    threat_class: str = Field(alias="class", description="Threat class from the catalog, e.g. lo_fighter.")
    count: int = Field(default=1, ge=1, le=1000)
    spacing_s: Finite = Field(default=0.0, ge=0.0, le=3600.0,
                              description="Time between successive members of a group, s.")
    start_s: Finite = Field(default=0.0, ge=0.0, description="Time the first member starts its route, s.")
    rcs_m2: Finite | None = Field(default=None, gt=0.0, le=1.0e4,
                                  description="Override the class's RCS (all bands), m².")
    route: list[Waypoint] = Field(min_length=2, description="At least two waypoints.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("threat_class")
    @classmethod
    def _known(cls, v: str, info: ValidationInfo) -> str:
        return _check_catalog_name(v, info, "threat")


class DefendedAsset(_Model):
    name: Name
    lat_deg: LatDeg
    lon_deg: LonDeg
    value: Finite = Field(default=1.0, gt=0.0, le=1.0e6, description="Relative value, > 0.")


class Clutter(_Model):
    false_alarms_per_scan: Finite | None = Field(
        default=None, ge=0.0, le=1.0e5,
        description="Mean false plots per radar scan; default: from each radar's Pfa.",
    )


class Environment(_Model):
    k_factor: Finite = Field(default=4.0 / 3.0, gt=0.5, le=10.0,
                             description="Effective earth-radius factor (refraction); 4/3 is standard.")
    dem: str | None = Field(default=None, description="DEM GeoTIFF path, relative to the scenario file.")
    surface: Surface = Field(default=Surface.land,
                             description="land or water: the surface where the DEM has no data or ends.")
    clutter: Clutter = Field(default_factory=Clutter)
    sea_state: Annotated[int, Field(strict=True, ge=0, le=9)] = Field(
        default=3,
        description="Douglas / WMO sea state 0-9 of the sea surface (3 = slight, 0.5-1.25 m waves, the "
                    "default); sets the RMS wave height of the sea-roughness reflection factor.")
    wave_height_m: Finite | None = Field(
        default=None, ge=0.0, le=30.0,
        description="Significant wave height H1/3 of the sea, metres (0-30); overrides sea_state when given.")

    @field_validator("dem")
    @classmethod
    def _local_dem(cls, v: str | None) -> str | None:
        if v is not None and len(v) > 4096:
            raise ValueError(f"the DEM path is {len(v):,} characters long; expected a file path (at most 4,096)")
        low = (v or "").strip().lower()
        if low.startswith("/vsi") or "://" in low or low.startswith(("http:", "https:", "ftp:")):
            raise ValueError("a DEM must be a local file; GDAL virtual paths (/vsicurl/, /vsizip/ …) "
                             "and URLs are not read (download the file first)")
        return v


DEMO_EPOCH_UTC = datetime.datetime(2019, 7, 12, tzinfo=datetime.timezone.utc)
_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$")


def parse_epoch_utc(v: Any) -> datetime.datetime:
    """A strict ISO 8601 date-time with a timezone (text or a YAML timestamp) as an aware UTC datetime."""
    expected = "expected an ISO 8601 date and time with a timezone, e.g. 2019-07-12T00:00:00Z"
    if isinstance(v, str):
        text = v.strip()
        if not _ISO_8601.match(text):
            raise ValueError(f"{quote(text, 40)} is not a date-time with a timezone; {expected}")
        try:
            v = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"{quote(text, 40)}: {exc}; {expected}") from None
    elif isinstance(v, datetime.datetime):
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError(f"{v.isoformat()} has no timezone; {expected}")
    elif isinstance(v, datetime.date):
        raise ValueError(f"{v.isoformat()} is a date without a time and timezone; {expected}")
    else:
        raise ValueError(f"got {type(v).__name__}; {expected}")
    return v.astimezone(datetime.timezone.utc)


class Run(_Model):
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    time_step_s: Finite = Field(default=1.0, gt=0.0, le=60.0)
    duration_s: Finite | None = Field(default=None, gt=0.0, le=86_400.0)
    epoch_utc: datetime.datetime = Field(
        default=DEMO_EPOCH_UTC,
        description="Absolute time of t = 0 s: ISO 8601 date and time with a timezone, e.g. "
                    "2019-07-12T00:00:00Z; tables and exports carry UTC times from it.")

    @field_validator("epoch_utc", mode="before")
    @classmethod
    def _epoch(cls, v: Any) -> datetime.datetime:
        return parse_epoch_utc(v)


class CoverageSettings(_Model):
    threat_classes: list[str] | None = Field(
        default=None, description="Classes to map; default: the classes of the scenario's threats."
    )
    altitudes_m: list[Annotated[float, Field(ge=0.0, le=100_000.0, allow_inf_nan=False)]] = Field(
        default=[30.0, 100.0, 1000.0, 5000.0, 10000.0], min_length=1, max_length=64
    )
    altitude_ref: AltRef = AltRef.agl
    pd_threshold: Finite = Field(default=0.5, gt=0.0, lt=1.0)
    track_m_of_n: tuple[int, int] = Field(default=(2, 3), description="Track confirmation: M detections in N scans.")
    max_range_km: Finite | None = Field(default=None, gt=0.0, le=3000.0)
    cell_m: Finite = Field(default=1000.0, ge=10.0, le=20_000.0,
                           description="Grid spacing when no DEM is given, metres.")
    sector_deg: Finite = Field(default=10.0, gt=0.0, le=180.0)

    @field_validator("threat_classes")
    @classmethod
    def _known(cls, v: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("threat_classes is empty; omit it to use the scenario's threat classes")
        for name in v:
            _check_catalog_name(name, info, "threat")
        return v

    @field_validator("track_m_of_n")
    @classmethod
    def _m_of_n(cls, v: tuple[int, int]) -> tuple[int, int]:
        m, n = v
        if not (1 <= m <= n <= 20):
            raise ValueError("track_m_of_n must be [M, N] with 1 ≤ M ≤ N ≤ 20")
        return v


class TrackingSettings(_Model):
    """How plots become tracks (``iadsim track`` and ``iadsim run``)."""

    filter: Literal["ekf", "ukf", "imm"] = Field(default="ekf", description="Filter for polar radar plots.")
    association: Literal["gnn", "jpda"] = "gnn"
    gate_probability: Finite = Field(default=0.999, gt=0.5, lt=1.0)
    m_confirm: int = Field(default=2, ge=1, le=20, description="Confirm after M plots …")
    n_confirm: int = Field(default=3, ge=1, le=20, description="… within N scans.")
    k_miss: int = Field(default=3, ge=1, le=100, description="Delete after K missed scans.")
    process_noise_mps2: Finite = Field(default=5.0, gt=0.0, le=1000.0,
                                       description="White-noise acceleration spectral level, m/s² (√q).")
    management: Literal["score", "m_of_n"] = Field(
        default="score",
        description="score: Pd-aware log-likelihood track score (Blackman & Popoli 1999, §6.2), confirm at "
                    "confirm_score, delete delete_score_drop below the peak; m_of_n: m_confirm of n_confirm "
                    "and k_miss counted on every scan of a radar whose geometry covers the track.")
    confirm_score: Finite = Field(default=9.2, gt=0.0, le=100.0,
                                  description="score: confirm at this log-likelihood ratio, ln((1−β)/α); "
                                              "9.2 = α 1e-4 false-track, β 0.01 true-track rejection.")
    delete_score_drop: Finite = Field(default=6.9, gt=0.0, le=100.0,
                                      description="score: delete when the score falls this far below its "
                                                  "peak; 6.9 = three misses at Pd 0.9 (3·ln 10).")
    max_coast_s: Finite = Field(default=120.0, gt=0.0, le=3600.0,
                                description="score: delete a track not updated for this long (s).")
    scan_phase: Literal["random", "aligned"] = Field(
        default="random",
        description="random: each radar's first scan at a seeded offset in [0, revisit_s); aligned: every "
                    "radar scans at t = 0, revisit_s, …")

    @model_validator(mode="after")
    def _m_le_n(self) -> TrackingSettings:
        if self.m_confirm > self.n_confirm:
            raise LocatedValueError("m_confirm must not exceed n_confirm", "m_confirm")
        return self


class EngagementSettings(_Model):
    """How the battalion fights (``iadsim run``)."""

    tracking: Literal["perfect", "tracker"] = Field(
        default="perfect", description="perfect: engage from truth of detected threats; tracker: from tracks.")
    doctrine: Literal["shoot-look-shoot", "salvo"] = "shoot-look-shoot"
    salvo_size: int = Field(default=2, ge=1, le=8, description="Missiles per engagement.")
    kill_assessment_s: Finite = Field(default=5.0, ge=0.0, le=600.0)
    assignment: Literal["optimal", "greedy"] = "optimal"
    leak_radius_km: Finite = Field(default=5.0, gt=0.0, le=500.0,
                                   description="A threat inside this distance of a defended asset has leaked.")
    fire_control_pd: Finite = Field(
        default=0.5, gt=0.0, lt=1.0,
        description="Pd (on the class's RCS in the radar's band, line of sight over terrain included) at "
                    "which an engagement radar holds a target for fire control: needed from launch to "
                    "intercept, and by the coverage job's engagement layer. Strictly between 0 and 1.")
    max_velocity_sigma_mps: Finite = Field(
        default=50.0, gt=0.0, le=1000.0,
        description="tracking: tracker — launch only on a track whose velocity standard deviation "
                    "(root of the mean diagonal of its velocity covariance) is below this, m/s.")
    fire_at: Literal["max_range", "range_fraction", "best_pk"] = Field(
        default="max_range",
        description="When to fire: as soon as the predicted intercept is inside the envelope (max_range), "
                    "only once it is within fire_range_fraction of the missile's maximum range "
                    "(range_fraction), or only when waiting one time step would not raise the Pk (best_pk).")
    fire_range_fraction: Finite = Field(
        default=0.8, gt=0.0, le=1.0,
        description="fire_at: range_fraction — fraction of the missile's maximum range, (0, 1].")
    magazine_reserve: int = Field(
        default=0, ge=0, le=1000, description="Ready rounds each site keeps back (not fired).")


class SweepSettings(_Model):
    """A Monte Carlo sweep of the scenario (``iadsim sweep``; the command line's options override it)."""

    replications: int = Field(default=100, ge=1, le=1_000_000, description="Replications per sweep point.")
    vary: dict[str, str | list[str | int | float]] = Field(
        default_factory=dict, max_length=16,
        description="PATH: VALUES — a list, or a range 'START:STOP:STEP' (inclusive); PATH as in --set, or "
                    "raid.scale, or catalog.ENTRY.FIGURE. The points are the cross product.")
    uncertain: list[str] = Field(
        default_factory=list, max_length=500,
        description="Catalog figures sampled per replication from their low-high spread: [catalog] for every "
                    "figure with a spread the scenario uses, or ENTRY.FIGURE names.")
    distribution: Literal["triangular", "uniform"] = Field(
        default="triangular", description="Distribution of sampled figures (Latin hypercube across replications).")
    tornado: list[str] = Field(
        default_factory=list, max_length=500,
        description="One-at-a-time sensitivity: a point with each figure at its catalog low and one at its high, "
                    "the others nominal, beside the nominal point: [catalog] or ENTRY.FIGURE names.")


class Scenario(_Model):
    """A deployment, a raid and the settings to analyse them."""

    scenario: Literal[1] = Field(default=1, description="File format version.")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    run: Run = Field(default_factory=Run)
    environment: Environment = Field(default_factory=Environment)
    sites: list[Site] = Field(min_length=1)
    threats: list[Threat] = Field(default_factory=list)
    defended_assets: list[DefendedAsset] = Field(default_factory=list)
    coverage: CoverageSettings = Field(default_factory=CoverageSettings)
    tracking: TrackingSettings = Field(default_factory=TrackingSettings)
    engagement: EngagementSettings = Field(default_factory=EngagementSettings)
    sweep: SweepSettings | None = Field(default=None, description="Monte Carlo sweep (iadsim sweep).")

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Scenario:
        """Checks across fields; each error is located at the field it names."""
        for label, items in (("sites", self.sites), ("threats", self.threats),
                             ("defended_assets", self.defended_assets)):
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item.name in seen:
                    raise LocatedValueError(f"two {label} are named {quote(item.name)}; names must be unique",
                                            label, i, "name")
                seen.add(item.name)
        names = {s.name for s in self.sites}
        for i, s in enumerate(self.sites):
            for j, link in enumerate(s.links):
                if link not in names:
                    raise LocatedValueError(f"site {quote(s.name)} links to unknown site {quote(link)}",
                                            "sites", i, "links", j)
        catalog = (info.context or {}).get("catalog")
        if catalog is not None:
            for i, s in enumerate(self.sites):
                for j, lp in enumerate(s.launchers):
                    _check_launcher_load(s, lp, catalog, ("sites", i, "launchers", j, "load"))
        for i, t in enumerate(self.threats):
            _check_route(t, ("threats", i))
            if self.run.duration_s is not None and t.start_s >= self.run.duration_s:
                raise LocatedValueError(
                    f"the threat starts at {t.start_s:g} s, at or after the end of the run "
                    f"(run.duration_s = {self.run.duration_s:g} s); start it earlier or lengthen the run",
                    "threats", i, "start_s")
        return self

    def threat_classes_for_coverage(self) -> list[str]:
        if self.coverage.threat_classes:
            return list(self.coverage.threat_classes)
        seen: list[str] = []
        for t in self.threats:
            if t.threat_class not in seen:
                seen.append(t.threat_class)
        return seen


def _check_launcher_load(site: Site, lp: LauncherPlacement, catalog: Any, path: tuple[Any, ...]) -> None:
    """The missiles a launcher is given must be ones it carries, and no more than its capacity
    (the largest catalog load-out, in rounds)."""
    if lp.load is None:
        return
    spec = catalog.launcher(lp.equipment)
    carried = {ld.missile for ld in spec.loads}
    for m in lp.load:
        if m not in carried:
            raise LocatedValueError(
                f"site {quote(site.name)}: launcher {lp.equipment} does not carry {quote(m)} "
                f"(it carries {', '.join(sorted(carried))})", *path, m)
    capacity = launcher_capacity(spec)
    total = sum(lp.load.values())
    if total > capacity:
        raise LocatedValueError(
            f"site {quote(site.name)}: {total} missiles on one {lp.equipment}, which holds at most "
            f"{capacity} (its catalog load-outs); the load is per launcher, use `count` for more launchers",
            *path)


def launcher_capacity(spec: Any) -> int:
    """Rounds a launcher holds: the largest total of one of its catalog load-outs (nominal)."""
    totals: dict[str, float] = {}
    for ld in spec.loads:
        totals[ld.loadout] = totals.get(ld.loadout, 0.0) + float(ld.count.nominal)
    return int(max(totals.values()))


#: Mean earth radius (IUGG), m: enough to tell a route of zero length from a real one.
_EARTH_RADIUS_M = 6_371_008.8
#: A route shorter than this (m, horizontal and vertical together) has no length to fly.
MIN_ROUTE_LENGTH_M = 1.0


def route_length_m(route: list[Waypoint]) -> float:
    """Length of a route along great circles with altitude changes, m (spherical earth)."""
    total = 0.0
    for a, b in zip(route, route[1:]):
        la1, la2 = math.radians(a.lat_deg), math.radians(b.lat_deg)
        dlat, dlon = la2 - la1, math.radians(b.lon_deg - a.lon_deg)
        h = math.sin(dlat / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlon / 2) ** 2
        ground = 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
        total += math.hypot(ground, b.alt_m - a.alt_m)
    return total


def _check_route(t: Threat, path: tuple[Any, ...]) -> None:
    if route_length_m(t.route) < MIN_ROUTE_LENGTH_M:
        raise LocatedValueError(
            "the route has zero length (every waypoint at the same place); give waypoints the threat "
            "flies between", *path, "route")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the scenario format, for editors (``iadsim schema``)."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "iadsim scenario"
    return schema
