"""Load the equipment catalog: packaged YAML entries plus any user directories.

Layout of a catalog directory (the packaged one is ``iadsim/catalog/data``)::

    sources.yaml          # id -> {title, publisher, url, date, language, reliability (A-F),
                          #        grade_note?, note?, edition?, author?, isbn?}
    radars/*.yaml         # one entry per file, `kind: radar`
    launchers/*.yaml      # `kind: launcher`
    missiles/*.yaml       # `kind: missile`
    threats/*.yaml        # `kind: threat`
    systems/*.yaml        # `kind: system`

A user directory has the same layout (``sources.yaml`` optional); its entries add to the
packaged ones or replace an entry of the same name and kind, and its sources add to or
replace packaged sources of the same id. Every error is a one-line :class:`CatalogError`
naming file, line, column and field.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import pydantic

from iadsim.errors import CatalogError
from iadsim.io import LocatedYaml, format_path, read_yaml, validate
from iadsim.io.yamlfile import raise_validation_error

from .models import (
    ENTRY_MODELS,
    Entry,
    Figure,
    Launcher,
    Missile,
    Radar,
    Source,
    System,
    ThreatClass,
    iter_figures,
)

__all__ = ["PACKAGED_DIR", "Catalog", "entry_table", "load_catalog", "unit_of"]

PACKAGED_DIR = Path(__file__).resolve().parent / "data"
SOURCES_FILE = "sources.yaml"
#: Sub-folder name -> the kind of entry it holds.
FOLDERS: dict[str, str] = {
    "radars": "radar",
    "launchers": "launcher",
    "missiles": "missile",
    "threats": "threat",
    "systems": "system",
}

E = TypeVar("E")
_SOURCES_ADAPTER = pydantic.TypeAdapter(dict[str, Source])


@dataclass(frozen=True)
class _Record:
    entry: Entry
    file: str
    located: LocatedYaml


@dataclass(frozen=True)
class _SourceRecord:
    source: Source
    file: str


def _where(located: LocatedYaml, path: tuple[Any, ...], message: str) -> CatalogError:
    line, column = located.where(path)
    return CatalogError(message, file=located.source, line=line, column=column,
                        field=format_path(path) if path else None)


def _suggest(name: str, known: Sequence[str]) -> str:
    lowered = {k.lower(): k for k in known}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.5)
    return f" (did you mean {lowered[hits[0]]!r}?)" if hits else ""


# ---------------------------------------------------------------------------------- reading
def _read_sources(path: Path) -> dict[str, _SourceRecord]:
    located = read_yaml(path, CatalogError)
    if not isinstance(located.data, dict):
        raise CatalogError("expected a mapping of source id -> {title, publisher, url, date, language, "
                           "reliability}",
                           file=located.source, line=1, column=1)
    for key in located.data:
        if not isinstance(key, str):
            raise _where(located, (key,), f"a source id must be text, got {key!r}")
    try:
        sources = _SOURCES_ADAPTER.validate_python(located.data)
    except pydantic.ValidationError as exc:
        raise_validation_error(exc, located, CatalogError)
        raise AssertionError("unreachable")  # pragma: no cover
    for key in sources:
        if not key or not key.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise _where(located, (key,), f"source id {key!r} must be letters, digits, '_', '-' or '.'")
    return {k: _SourceRecord(v, located.source) for k, v in sources.items()}


def _read_entry(path: Path) -> _Record:
    located = read_yaml(path, CatalogError)
    data = located.data
    if not isinstance(data, dict):
        raise CatalogError(f"expected a YAML mapping at the top level, got {type(data).__name__}",
                           file=located.source, line=1, column=1)
    kinds = ", ".join(ENTRY_MODELS)
    if "kind" not in data:
        raise CatalogError(f"required field is missing; expected one of {kinds}",
                           file=located.source, line=1, column=1, field="kind")
    kind = data["kind"]
    if not isinstance(kind, str) or kind not in ENTRY_MODELS:
        raise _where(located, ("kind",), f"unknown kind {kind!r}; expected one of {kinds}"
                     + (_suggest(kind, list(ENTRY_MODELS)) if isinstance(kind, str) else ""))
    entry = validate(ENTRY_MODELS[kind], located, CatalogError)
    for problem_path, message in entry.problems():
        raise _where(located, tuple(problem_path), message)
    folder = path.parent.name
    if folder in FOLDERS and FOLDERS[folder] != kind:
        raise _where(located, ("kind",), f"a {kind} entry in folder {folder}/, which holds "
                     f"{FOLDERS[folder]} entries; move the file to the right folder")
    return _Record(entry, located.source, located)  # type: ignore[arg-type]


def _entry_files(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*")):
        if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
            continue
        if path.parent == directory and path.name == SOURCES_FILE:
            continue
        if any(part.startswith(".") for part in path.relative_to(directory).parts):
            continue
        yield path


def _read_dir(directory: Path, *, sources_required: bool) -> tuple[dict[str, _Record], dict[str, _SourceRecord]]:
    if not directory.exists():
        raise CatalogError("catalog directory not found", file=directory)
    if not directory.is_dir():
        raise CatalogError("not a directory; expected a folder of catalog YAML files", file=directory)
    sources_path = directory / SOURCES_FILE
    if sources_path.exists():
        sources = _read_sources(sources_path)
    elif sources_required:
        raise CatalogError("the source registry is missing", file=sources_path)
    else:
        sources = {}
    records: dict[str, _Record] = {}
    for path in _entry_files(directory):
        rec = _read_entry(path)
        name = rec.entry.name
        if name in records:
            raise _where(rec.located, ("name",), f"name {name!r} is already used by "
                         f"{records[name].file}; names must be unique across files")
        records[name] = rec
    return records, sources


# ---------------------------------------------------------------------------- cross-checks
def _cross_check(records: Mapping[str, _Record], sources: Mapping[str, _SourceRecord]) -> None:
    source_ids = sorted(sources)
    for rec in records.values():
        entry, located = rec.entry, rec.located
        for path, fig in iter_figures(entry):
            for i, sid in enumerate(fig.sources):
                if sid not in sources:
                    raise _where(located, path + ("sources", i),
                                 f"unknown source id {sid!r}; add it to {SOURCES_FILE}"
                                 + _suggest(sid, source_ids))
        if isinstance(entry, Launcher):
            for i, load in enumerate(entry.loads):
                _expect_kind(records, located, ("loads", i, "missile"), load.missile, "missile")
        elif isinstance(entry, System):
            for i, comp in enumerate(entry.components):
                _expect_kind(records, located, ("components", i, "equipment"), comp.equipment, None)
        elif isinstance(entry, Missile):
            for key in entry.pk:
                _expect_kind(records, located, ("pk", key), key, "threat")


def _expect_kind(records: Mapping[str, _Record], located: LocatedYaml, path: tuple[Any, ...],
                 name: str, kind: str | None) -> None:
    rec = records.get(name)
    what = kind or "entry"
    if rec is None:
        known = sorted(n for n, r in records.items() if kind is None or r.entry.kind == kind)
        raise _where(located, path, f"unknown {what} {name!r}; known: {', '.join(known)}"
                     + _suggest(name, known))
    if kind is not None and rec.entry.kind != kind:
        raise _where(located, path, f"{name!r} is a {rec.entry.kind} ({rec.file}), not a {kind}")


# --------------------------------------------------------------------------------- catalog
class Catalog:
    """The loaded catalog: look entries up by name, list them, trace every figure to its sources."""

    def __init__(self, records: Mapping[str, _Record], sources: Mapping[str, _SourceRecord]) -> None:
        self._records = dict(records)
        self._sources = MappingProxyType({k: v.source for k, v in sorted(sources.items())})
        self._source_files = {k: v.file for k, v in sources.items()}

    # lookups ---------------------------------------------------------------------------
    def get(self, name: str) -> Entry:
        """The entry called ``name`` whatever its kind."""
        return self._lookup(name, None)

    def radar(self, name: str) -> Radar:
        return self._lookup(name, "radar")  # type: ignore[return-value]

    def launcher(self, name: str) -> Launcher:
        return self._lookup(name, "launcher")  # type: ignore[return-value]

    def missile(self, name: str) -> Missile:
        return self._lookup(name, "missile")  # type: ignore[return-value]

    def threat(self, name: str) -> ThreatClass:
        return self._lookup(name, "threat")  # type: ignore[return-value]

    def system(self, name: str) -> System:
        return self._lookup(name, "system")  # type: ignore[return-value]

    def _lookup(self, name: str, kind: str | None) -> Entry:
        rec = self._records.get(name) if isinstance(name, str) else None
        what = kind or "catalog entry"
        if rec is None:
            known = self.names(kind)
            raise CatalogError(f"unknown {what} {name!r}; known: {', '.join(known) or '(none)'}"
                               + (_suggest(name, known) if isinstance(name, str) else ""))
        if kind is not None and rec.entry.kind != kind:
            raise CatalogError(f"{name!r} is a {rec.entry.kind}, not a {kind}; known {kind}s: "
                               f"{', '.join(self.names(kind))}")
        return rec.entry

    # listings --------------------------------------------------------------------------
    def names(self, kind: str | None = None) -> list[str]:
        """Entry names, sorted; only those of ``kind`` (radar, launcher, missile, threat, system) if given."""
        if kind is not None and kind not in ENTRY_MODELS:
            raise CatalogError(f"unknown kind {kind!r}; expected one of {', '.join(ENTRY_MODELS)}"
                               + _suggest(str(kind), list(ENTRY_MODELS)))
        return sorted(n for n, r in self._records.items() if kind is None or r.entry.kind == kind)

    @property
    def sources(self) -> Mapping[str, Source]:
        """The source registry: id -> :class:`Source` (read-only)."""
        return self._sources

    def cite(self, source_id: str) -> str:
        """``"twz_2019_40n6 [B]"``: a source id with its reliability grade (the id alone if unknown)."""
        src = self._sources.get(source_id)
        return f"{source_id} [{src.reliability}]" if src is not None else source_id

    def file(self, name: str) -> str:
        """The YAML file an entry was read from."""
        self.get(name)
        return self._records[name].file

    def figures(self, name: str) -> list[tuple[str, Figure]]:
        """Every figure of an entry as (field path such as ``detection_reference.range_km``, Figure)."""
        return [(format_path(p), f) for p, f in iter_figures(self.get(name))]

    def replaced(self, entries: Mapping[str, Entry]) -> Catalog:
        """A copy of this catalog with the named entries replaced (same kind, same file; e.g. a
        Monte Carlo replication's sampled figures: :mod:`iadsim.montecarlo.uncertainty`)."""
        records = dict(self._records)
        for name, entry in entries.items():
            rec = self._records[name]
            records[name] = _Record(entry=entry, file=rec.file, located=rec.located)
        out = Catalog.__new__(Catalog)
        out._records, out._sources, out._source_files = records, self._sources, self._source_files
        return out

    def __contains__(self, name: object) -> bool:
        return name in self._records

    def __iter__(self) -> Iterator[Entry]:
        return (self._records[n].entry for n in sorted(self._records))

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        counts = {k: len(self.names(k)) for k in ENTRY_MODELS}
        return f"Catalog({', '.join(f'{v} {k}s' for k, v in counts.items())}, {len(self._sources)} sources)"


@functools.lru_cache(maxsize=1)
def _packaged() -> tuple[dict[str, _Record], dict[str, _SourceRecord]]:
    records, sources = _read_dir(PACKAGED_DIR, sources_required=True)
    _cross_check(records, sources)
    return records, sources


@functools.lru_cache(maxsize=1)
def _packaged_catalog() -> Catalog:
    return Catalog(*_packaged())


def load_catalog(extra_dirs: Sequence[str | Path] = ()) -> Catalog:
    """The packaged catalog (read once and cached), plus entries from ``extra_dirs`` in order.

    A user entry with the name of an existing entry of the same kind replaces it; a name
    reused for a different kind is an error. Raises :class:`CatalogError` (file, line,
    column, field) for anything wrong in any file, including unknown source ids, launcher
    missiles, system components and threat classes.
    """
    if isinstance(extra_dirs, (str, Path)):
        extra_dirs = [extra_dirs]
    if not extra_dirs:
        return _packaged_catalog()
    base_records, base_sources = _packaged()
    records = dict(base_records)
    sources = dict(base_sources)
    for directory in extra_dirs:
        more, more_sources = _read_dir(Path(directory), sources_required=False)
        sources.update(more_sources)
        for name, rec in more.items():
            old = records.get(name)
            if old is not None and old.entry.kind != rec.entry.kind:
                raise _where(rec.located, ("name",), f"name {name!r} is already a {old.entry.kind} "
                             f"({old.file}); an override must keep the kind ({rec.entry.kind})")
            records[name] = rec
    _cross_check(records, sources)
    return Catalog(records, sources)


# ---------------------------------------------------------------------------- provenance
_SUFFIX_UNITS: tuple[tuple[str, str], ...] = (
    ("_km", "km"), ("_mps", "m/s"), ("_m2", "m²"), ("_ghz", "GHz"), ("_mrad", "mrad"),
    ("_deg", "deg"), ("_m", "m"), ("_s", "s"), ("_g", "g"),
)
_UNITLESS = {"pk": "probability", "count": "count", "targets": "count", "missiles": "count",
             "track_capacity": "count"}


def unit_of(path: Sequence[Any] | str) -> str:
    """The unit a field path carries in its name: ``detection_reference.range_km`` -> ``km``."""
    parts = path.replace("[", ".").replace("]", "").split(".") if isinstance(path, str) else \
        [str(p) for p in path]
    for part in reversed(parts):
        if part in _UNITLESS:
            return _UNITLESS[part]
        for suffix, unit in _SUFFIX_UNITS:
            if part.endswith(suffix):
                return unit
    return ""


def entry_table(entry: Entry) -> list[dict[str, Any]]:
    """Provenance rows for ``iadsim catalog show NAME``: one per figure.

    Keys: ``field``, ``nominal``, ``low``, ``high``, ``unit``, ``sources`` (list of ids),
    ``note`` and ``derived`` (None when absent), ``assumption`` (bool).
    """
    rows = []
    for path, fig in iter_figures(entry):
        rows.append({
            "field": format_path(path),
            "nominal": fig.nominal,
            "low": fig.low,
            "high": fig.high,
            "unit": unit_of(path),
            "sources": list(fig.sources),
            "note": fig.note,
            "derived": fig.derived,
            "assumption": fig.is_assumption,
        })
    return rows
