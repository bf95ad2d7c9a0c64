"""Pydantic models of catalog entries: sources, figures, radars, launchers, missiles, threats, systems.

Every physical quantity is a :class:`Figure`: a nominal value with its spread (``low`` and
``high``, which default to the nominal) and the ids of the public sources it came from. Units
live in the field names (``range_km``, ``rcs_m2``, ``speed_mps``...). The models only check
what a single file can get wrong; cross-references (source ids, missile names, component
names, threat classes) are checked by :mod:`iadsim.catalog.loader` once every file is read.

Entry models also expose :meth:`problems`, semantic checks that need more than one field
(``range_min_km < range_max_km``, a band that matches the frequency...). They return
``(path, message)`` pairs so the loader can point at the right line of the file.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "BANDS",
    "BAND_EDGES_GHZ",
    "DetectionReference",
    "Entry",
    "FireControl",
    "Figure",
    "RELIABILITY_SCALE",
    "Launcher",
    "Load",
    "Missile",
    "Radar",
    "Source",
    "System",
    "SystemComponent",
    "ThreatClass",
    "ENTRY_MODELS",
    "iter_figures",
]

Band = Literal["VHF", "UHF", "L", "S", "C", "X", "Ku"]
BANDS: tuple[str, ...] = ("VHF", "UHF", "L", "S", "C", "X", "Ku")
#: IEEE Std 521 letter-band edges in GHz (source id ``ieee_521``).
BAND_EDGES_GHZ: dict[str, tuple[float, float]] = {
    "VHF": (0.03, 0.3),
    "UHF": (0.3, 1.0),
    "L": (1.0, 2.0),
    "S": (2.0, 4.0),
    "C": (4.0, 8.0),
    "X": (8.0, 12.0),
    "Ku": (12.0, 18.0),
}
#: Bands every threat class must give an RCS for (Ku is optional).
RCS_BANDS_REQUIRED: tuple[str, ...] = ("VHF", "UHF", "L", "S", "C", "X")

_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-/ ]*$")]
SourceId = Annotated[str, Field(min_length=1, max_length=60, pattern=_ID)]
Text = Annotated[str, Field(min_length=1)]


class Figure(BaseModel):
    """A sourced number: ``nominal`` with its spread ``low`` ≤ ``nominal`` ≤ ``high``.

    ``low`` and ``high`` default to ``nominal``. ``sources`` are ids in ``sources.yaml`` (at least
    one). ``note`` says how the sources disagree or marks an assumption (``"assumption: ..."``);
    ``derived`` explains a figure computed from others, whose inputs are its ``sources``.
    """

    model_config = _CONFIG

    nominal: float
    low: float
    high: float
    sources: Annotated[list[SourceId], Field(min_length=1)]
    note: Text | None = None
    derived: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if isinstance(data, bool):
            return data
        if isinstance(data, (int, float)):
            raise ValueError(
                "a bare number is not a figure; write {nominal: ..., sources: [source id]} "
                "so the value carries where it came from"
            )
        if isinstance(data, dict) and "nominal" in data:
            data = dict(data)
            data.setdefault("low", data["nominal"])
            data.setdefault("high", data["nominal"])
        return data

    @field_validator("nominal", "low", "high", mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        # strict mode refuses ints for floats on some paths; YAML `400` is an int
        if isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        return v

    @model_validator(mode="after")
    def _ordered(self) -> Figure:
        if not (self.low <= self.nominal <= self.high):
            raise ValueError(
                f"need low <= nominal <= high, got low={self.low:g}, nominal={self.nominal:g}, "
                f"high={self.high:g}"
            )
        if len(set(self.sources)) != len(self.sources):
            raise ValueError("a source id is listed twice in sources")
        return self

    @property
    def is_assumption(self) -> bool:
        """True when the note marks this figure as a documented assumption."""
        return bool(self.note and "assumption" in self.note.lower())


def _positive(f: Figure) -> Figure:
    if f.low <= 0:
        raise ValueError(f"must be positive (low={f.low:g})")
    return f


def _non_negative(f: Figure) -> Figure:
    if f.low < 0:
        raise ValueError(f"must not be negative (low={f.low:g})")
    return f


def _probability(f: Figure) -> Figure:
    if f.low < 0 or f.high > 1:
        raise ValueError(f"a probability must lie in [0, 1] (low={f.low:g}, high={f.high:g})")
    return f


def _count(f: Figure) -> Figure:
    if f.low < 1:
        raise ValueError(f"a count must be at least 1 (low={f.low:g})")
    for v in (f.nominal, f.low, f.high):
        if v != math.floor(v):
            raise ValueError(f"a count must be a whole number (got {v:g})")
    return f


def _elevation(f: Figure) -> Figure:
    if f.low < -90 or f.high > 90:
        raise ValueError("an elevation must lie in [-90, 90] degrees")
    return f


def _sector(f: Figure) -> Figure:
    if f.low <= 0 or f.high > 360:
        raise ValueError("an azimuth sector must lie in (0, 360] degrees")
    return f


PositiveFigure = Annotated[Figure, AfterValidator(_positive)]
NonNegFigure = Annotated[Figure, AfterValidator(_non_negative)]
ProbFigure = Annotated[Figure, AfterValidator(_probability)]
CountFigure = Annotated[Figure, AfterValidator(_count)]
ElevationFigure = Annotated[Figure, AfterValidator(_elevation)]
SectorFigure = Annotated[Figure, AfterValidator(_sector)]

_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")

#: The NATO Admiralty (source-reliability) scale used to grade every source (``Source.reliability``).
RELIABILITY_SCALE: dict[str, str] = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
Reliability = Literal["A", "B", "C", "D", "E", "F"]


def _isbn_ok(digits: str) -> bool:
    """ISBN-10 or ISBN-13 check digit (hyphens and spaces already removed)."""
    if len(digits) == 10 and re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if len(digits) == 13 and digits.isdigit():
        total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(digits))
        return total % 10 == 0
    return False


class Source(BaseModel):
    """A public source: what it is, who published it, where, when (as published) and in which language.

    ``date`` is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a page that prints no date says
    ``undated`` and explains in ``note``. Books give a publisher's or catalogue page as ``url``
    and their ``edition`` (and ``isbn``, checked).

    ``reliability`` grades the source on the Admiralty scale (:data:`RELIABILITY_SCALE`):
    A–B primary official statements, peer-reviewed work and standard textbooks; B–C reputable
    think tanks and press; D state media and vendor marketing; E–F anonymous or hobbyist
    pages. ``grade_note`` gives the one-line reason and is required for D, E and F.
    """

    model_config = _CONFIG

    title: Text
    publisher: Text
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]
    date: str
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
    edition: Text | None = None
    author: Text | None = None
    note: Text | None = None
    reliability: Reliability
    grade_note: Text | None = None
    isbn: Annotated[str, Field(pattern=r"^[0-9][0-9\- ]{8,15}[0-9X]$")] | None = None

    @field_validator("isbn")
    @classmethod
    def _isbn_check(cls, v: str | None) -> str | None:
        if v is not None and not _isbn_ok(v.replace("-", "").replace(" ", "")):
            raise ValueError(f"ISBN {v!r} fails its check digit; copy it from the book's imprint page")
        return v

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, v: Any) -> Any:
        # YAML reads 2019-07-12 as a date and 2019 as an int; keep the text as published
        if isinstance(v, _dt.date):
            return v.isoformat()
        if isinstance(v, int) and not isinstance(v, bool):
            return str(v)
        return v

    @field_validator("date")
    @classmethod
    def _date_form(cls, v: str) -> str:
        if v != "undated" and not _DATE.match(v):
            raise ValueError("expected a date as published: YYYY, YYYY-MM, YYYY-MM-DD or 'undated'")
        return v

    @model_validator(mode="after")
    def _undated_note(self) -> Source:
        if self.date == "undated" and not self.note:
            raise ValueError("an undated source needs a note saying so")
        if self.reliability in ("D", "E", "F") and not self.grade_note:
            raise ValueError(f"a source graded {self.reliability} "
                             f"({RELIABILITY_SCALE[self.reliability]}) needs a grade_note saying why")
        return self

    @property
    def grade(self) -> str:
        """``"B (usually reliable)"``: the letter with its meaning on the Admiralty scale."""
        return f"{self.reliability} ({RELIABILITY_SCALE[self.reliability]})"


class _Entry(BaseModel):
    model_config = _CONFIG

    name: Name
    note: Text | None = None

    def problems(self) -> list[tuple[tuple[Any, ...], str]]:
        """Checks across fields: (path in the file, message) pairs; empty when all is well."""
        return []


class DetectionReference(BaseModel):
    """The published detection-range claim that calibrates a radar.

    ``rcs_m2`` is the reference target; when no source states it, it is a documented
    assumption (``note``). ``pd``, ``pfa`` and ``swerling`` define the detection the claim is
    taken to mean.
    """

    model_config = _CONFIG

    range_km: PositiveFigure
    rcs_m2: PositiveFigure
    pd: Annotated[float, Field(gt=0, lt=1)] = 0.5
    pfa: Annotated[float, Field(gt=0, lt=1)] = 1e-6
    swerling: Annotated[int, Field(ge=0, le=4)] = 1
    note: Text | None = None

    @field_validator("pd", "pfa", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class FireControl(BaseModel):
    """Simultaneous engagement channels of an engagement radar."""

    model_config = _CONFIG

    targets: CountFigure
    missiles: CountFigure


class Radar(_Entry):
    """A radar: published inputs only; the physics layer derives the radar constant from them."""

    kind: Literal["radar"]
    aka: list[Text] = []
    system: Text
    role: Literal["surveillance", "engagement", "low_altitude"]
    band: Band
    frequency_ghz: PositiveFigure
    instrumented_range_km: PositiveFigure
    detection_reference: DetectionReference
    pfa: Annotated[float, Field(gt=0, lt=1)] = 1e-6
    swerling: Annotated[int, Field(ge=0, le=4)] = 1
    pulses_integrated: Annotated[int, Field(ge=1, le=100_000)] = 1
    elevation_min_deg: ElevationFigure | None = None
    elevation_max_deg: ElevationFigure | None = None
    azimuth_sector_deg: SectorFigure | None = None
    revisit_s: PositiveFigure | None = None
    mast_height_m: NonNegFigure | None = None
    sigma_range_m: PositiveFigure | None = None
    sigma_azimuth_mrad: PositiveFigure | None = None
    sigma_elevation_mrad: PositiveFigure | None = None
    track_capacity: CountFigure | None = None
    fire_control: FireControl | None = None
    calibration: Text

    @field_validator("pfa", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    def problems(self) -> list[tuple[tuple[Any, ...], str]]:
        out: list[tuple[tuple[Any, ...], str]] = []
        lo, hi = BAND_EDGES_GHZ[self.band]
        f = self.frequency_ghz.nominal
        if not (lo <= f <= hi):
            out.append(((("frequency_ghz", "nominal")),
                        f"{f:g} GHz is outside {self.band} band ({lo:g}-{hi:g} GHz, IEEE Std 521)"))
        if self.role == "engagement" and self.fire_control is None:
            out.append((("fire_control",), "an engagement radar needs fire_control "
                        "(targets and missiles channels)"))
        if (self.elevation_min_deg is not None and self.elevation_max_deg is not None
                and self.elevation_min_deg.nominal >= self.elevation_max_deg.nominal):
            out.append((("elevation_max_deg", "nominal"),
                        "elevation_max_deg must be above elevation_min_deg"))
        text = self.calibration.lower()
        if "snr" not in text or "rcs" not in text and "σ" not in text and "sigma" not in text:
            out.append((("calibration",), "the calibration text must explain how K = SNR_ref·R_ref⁴/σ_ref "
                        "follows from the reference claim (mention SNR and the reference RCS)"))
        return out


class Load(BaseModel):
    """Missiles of one type on a launcher; loads sharing a ``loadout`` name are carried together."""

    model_config = _CONFIG

    missile: Name
    count: CountFigure
    loadout: Name = "default"


class Launcher(_Entry):
    """A launcher with its load-outs, reload time and interval between launches."""

    kind: Literal["launcher"]
    system: Text
    aka: list[Text] = []
    loads: Annotated[list[Load], Field(min_length=1)]
    #: Time to reload ONE round from the transloader (rounds are reloaded one after another).
    reload_s: PositiveFigure | None = None
    #: Least time between two launches from this launcher.
    launch_interval_s: PositiveFigure | None = None

    def loadouts(self) -> dict[str, list[Load]]:
        """Alternative load-outs by name, each the list of its loads."""
        out: dict[str, list[Load]] = {}
        for load in self.loads:
            out.setdefault(load.loadout, []).append(load)
        return out

    def default_load(self) -> dict[str, int]:
        """The first load-out in the file as {missile name: nominal count}."""
        first = self.loads[0].loadout
        return {ld.missile: int(ld.count.nominal) for ld in self.loads if ld.loadout == first}

    def problems(self) -> list[tuple[tuple[Any, ...], str]]:
        seen: dict[tuple[str, str], int] = {}
        out: list[tuple[tuple[Any, ...], str]] = []
        for i, load in enumerate(self.loads):
            key = (load.loadout, load.missile)
            if key in seen:
                out.append((("loads", i, "missile"), f"missile {load.missile!r} appears twice in "
                            f"load-out {load.loadout!r} (first at loads[{seen[key]}])"))
            seen.setdefault(key, i)
        return out


class Missile(_Entry):
    """An interceptor's published envelope; ``pk`` maps threat-class ids to single-shot kill probability."""

    kind: Literal["missile"]
    system: Text
    aka: list[Text] = []
    range_max_km: PositiveFigure
    range_min_km: NonNegFigure | None = None
    alt_max_km: PositiveFigure
    alt_min_m: NonNegFigure
    speed_max_mps: PositiveFigure
    speed_avg_mps: PositiveFigure | None = None
    boost_s: PositiveFigure | None = None
    max_target_speed_mps: PositiveFigure | None = None
    #: Correction capability: the largest miss between the predicted aim point and the true
    #: target at intercept that terminal guidance can still take out, metres.
    divert_basket_m: PositiveFigure | None = None
    guidance: Text
    pk: dict[Annotated[str, Field(pattern=_ID)], ProbFigure] = {}
    #: Terminal phase: seconds before intercept after which the aim point is no longer refreshed
    #: from the site's perception (mid-course updates stop; the missile's own terminal guidance
    #: must take out what error remains, within ``divert_basket_m``).
    terminal_homing_s: PositiveFigure | None = None

    def problems(self) -> list[tuple[tuple[Any, ...], str]]:
        out: list[tuple[tuple[Any, ...], str]] = []
        if self.range_min_km is not None and self.range_min_km.nominal >= self.range_max_km.nominal:
            out.append((("range_min_km", "nominal"), "range_min_km must be below range_max_km"))
        if self.alt_min_m.nominal >= self.alt_max_km.nominal * 1000.0:
            out.append((("alt_min_m", "nominal"), "alt_min_m must be below alt_max_km"))
        if self.speed_avg_mps is not None and self.speed_avg_mps.nominal > self.speed_max_mps.nominal:
            out.append((("speed_avg_mps", "nominal"), "speed_avg_mps must not exceed speed_max_mps"))
        return out


class ThreatClass(_Entry):
    """A class of attacker: RCS per band (with spreads), fluctuation model, speed and cruise height."""

    kind: Literal["threat"]
    description: Text
    examples: Annotated[list[Text], Field(min_length=1)]
    rcs_m2: dict[Band, PositiveFigure]
    swerling: Annotated[int, Field(ge=0, le=4)] = 1
    speed_mps: PositiveFigure
    cruise_alt_m: NonNegFigure
    alt_ref: Literal["agl", "msl"]
    max_g: PositiveFigure | None = None

    def problems(self) -> list[tuple[tuple[Any, ...], str]]:
        missing = [b for b in RCS_BANDS_REQUIRED if b not in self.rcs_m2]
        if missing:
            return [(("rcs_m2",), f"RCS missing for band(s) {', '.join(missing)}; "
                     f"give each of {', '.join(RCS_BANDS_REQUIRED)}")]
        return []


class SystemComponent(BaseModel):
    """One kind of equipment in a system, by catalog name, and how many."""

    model_config = _CONFIG

    equipment: Name
    count: Annotated[int, Field(ge=1, le=1000)]


class System(_Entry):
    """A unit as publicly reported: which equipment and how many of each."""

    kind: Literal["system"]
    components: Annotated[list[SystemComponent], Field(min_length=1)]
    note: Text

    def problems(self) -> list[tuple[tuple[Any, ...], str]]:
        seen: dict[str, int] = {}
        out: list[tuple[tuple[Any, ...], str]] = []
        for i, c in enumerate(self.components):
            if c.equipment in seen:
                out.append((("components", i, "equipment"),
                            f"{c.equipment!r} is listed twice (first at components[{seen[c.equipment]}])"))
            seen.setdefault(c.equipment, i)
        return out


Entry = Radar | Launcher | Missile | ThreatClass | System
ENTRY_MODELS: dict[str, type[_Entry]] = {
    "radar": Radar,
    "launcher": Launcher,
    "missile": Missile,
    "threat": ThreatClass,
    "system": System,
}


def iter_figures(obj: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Figure]]:
    """Every :class:`Figure` inside a model, with its path (``("detection_reference", "range_km")``)."""
    if isinstance(obj, Figure):
        yield path, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from iter_figures(getattr(obj, name), path + (name,))
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from iter_figures(item, path + (i,))
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from iter_figures(item, path + (key,))
