"""An editable scenario for Python users: the plain data tree of a scenario file, with attribute
access, items addressable by name, path overrides and the file format's own validation.

>>> sc = load_scenario("examples/turkey-2019/scenario.yaml")     # doctest: +SKIP
>>> sc.sites["Murted"].radars[0].mast_m = 40                       # doctest: +SKIP
>>> taller = sc.with_({"sites[Murted].radars[2].mast_m": 40})      # doctest: +SKIP

The tree is the data a YAML file holds (dicts, lists, numbers, strings); validation runs the same
code as ``iadsim validate`` (:func:`iadsim.scenario.parse_scenario`) on it, so every problem is one
line, located at the file's line and column when the value came from the file unchanged, and by
its field path (``sites[0].radars[0].mast_m``) otherwise.

Paths (the syntax of ``with_``, ``get``, ``set``; sweeps and ``--set`` use the same): dotted field
names with list items addressed by index or by their ``name`` — ``engagement.salvo_size``,
``threats[0].count``, ``sites[Murted].launchers[0].count``, ``threats["Fighters from the west"].count``.
"""

from __future__ import annotations

import copy
import difflib
import enum
import re
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from iadsim.catalog import Catalog, load_catalog
from iadsim.errors import ScenarioError
from iadsim.io import LocatedYaml, format_path, read_yaml, unwrap_annotation
from iadsim.scenario import LoadedScenario, Scenario, load_scenario as _load_file, parse_scenario

__all__ = ["EditableScenario", "load_scenario", "parse_override", "parse_path"]

PathKey = tuple[Any, ...]
_NAME = re.compile(r"[A-Za-z_]\w*")
_BRACKET = re.compile(r"""\[\s*(?:(?P<index>-?\d+)|"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\]"']+?))\s*\]""")


# ----------------------------------------------------------------------------- paths
def parse_path(path: str) -> list[str | int | tuple[str]]:
    """Split a path into parts: a field name (str), a list index (int) or a list item's name
    (a 1-tuple ``("Murted",)``). ``sites[Murted].radars[0].mast_m`` ->
    ``["sites", ("Murted",), "radars", 0, "mast_m"]``."""
    if not isinstance(path, str) or not path.strip():
        raise ScenarioError(f"empty or non-text path {path!r}; expected e.g. engagement.salvo_size", field=str(path))
    parts: list[str | int | tuple[str]] = []
    text = path.strip()
    pos = 0
    while pos < len(text):
        if text[pos] == "[":
            m = _BRACKET.match(text, pos)
            if m is None:
                break
            if m.group("index") is not None:
                parts.append(int(m.group("index")))
            else:
                parts.append((next(g for g in (m.group("dq"), m.group("sq"), m.group("bare")) if g is not None),))
        else:
            start = pos + 1 if parts and text[pos] == "." else pos
            if parts and start == pos:
                break
            m = _NAME.match(text, start)
            if m is None:
                break
            parts.append(m.group(0))
        pos = m.end()
    if pos < len(text):
        raise ScenarioError(f"cannot read the path at {text[pos:]!r}; expected e.g. engagement.salvo_size, "
                            "threats[0].count or sites[Murted].radars[0].mast_m", field=path)
    return parts


def parse_override(text: str) -> tuple[str, Any]:
    """``"sites[Murted].radars[0].mast_m=40"`` -> ``("sites[Murted].radars[0].mast_m", 40)``: the
    value is read as YAML; a malformed override is a one-line :class:`ScenarioError`."""
    path, sep, raw = str(text).partition("=")
    if not sep or not path.strip():
        raise ScenarioError(f"override {text!r} is not PATH=VALUE (e.g. engagement.salvo_size=1)", field=str(text))
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ScenarioError(f"the value {raw!r} is not valid YAML ({problem})", field=path.strip()) from None
    parse_path(path.strip())
    return path.strip(), value


def _plain(value: Any) -> Any:
    """A value as YAML data: mappings and sequences copied, enums and paths as text, numpy
    scalars as Python numbers, editable nodes unwrapped."""
    if isinstance(value, _Node):
        return copy.deepcopy(value._target)
    if isinstance(value, EditableScenario):
        return copy.deepcopy(value._data)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "shape", None) == ():
        return value.item()  # numpy scalar
    return value


# ----------------------------------------------------------------------------- schema lookup
def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """Field names as written in the file (aliases) -> annotation."""
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def _child_schema(schema: Any, key: str | int) -> Any:
    """What ``schema[key]`` is: a model class, ``list[X]`` / ``dict`` annotation, or None (free)."""
    schema = unwrap_annotation(schema)
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return _fields(schema).get(key) if isinstance(key, str) else None
    origin = typing.get_origin(schema)
    if origin is list and isinstance(key, int):
        return typing.get_args(schema)[0]
    if origin is dict:
        args = typing.get_args(schema)
        return args[1] if len(args) == 2 else None
    return None


def _defaults_to_mapping(model: type[BaseModel] | None, key: str) -> bool:
    """True when field ``key`` of ``model`` is a mapping whose default is a (default) model, so an
    absent key can be read and written as an empty mapping (``environment``, ``engagement``)."""
    if model is None:
        return False
    info = next((f for name, f in model.model_fields.items() if (f.alias or name) == key), None)
    return info is not None and info.default_factory is not None and _model_of(info.annotation) is not None


def _default(model: type[BaseModel], key: str) -> Any:
    """What an omitted field means: the format's default value (None when it has none)."""
    from pydantic_core import PydanticUndefined

    info = next((f for name, f in model.model_fields.items() if (f.alias or name) == key), None)
    if info is None or info.default is PydanticUndefined:
        return None
    return _plain(copy.deepcopy(info.default))


def _model_of(schema: Any) -> type[BaseModel] | None:
    s = unwrap_annotation(schema)
    return s if isinstance(s, type) and issubclass(s, BaseModel) else None


def _kind(container_path: str) -> str:
    last = container_path.rsplit(".", 1)[-1].split("[", 1)[0]
    return {"sites": "site", "threats": "threat", "defended_assets": "defended asset", "radars": "radar",
            "launchers": "launcher"}.get(last, "item")


# ----------------------------------------------------------------------------- tree views
class _Node:
    """A live view of one mapping or list of the scenario tree; writes go to the tree."""

    __slots__ = ("_owner", "_target", "_path", "_schema")

    def __init__(self, owner: EditableScenario, target: Any, path: PathKey, schema: Any) -> None:
        object.__setattr__(self, "_owner", owner)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_schema", schema)

    def _wrap(self, key: Any, value: Any) -> Any:
        schema = _child_schema(self._schema, key)
        if isinstance(value, dict):
            return NodeDict(self._owner, value, self._path + (key,), schema)
        if isinstance(value, list):
            return NodeList(self._owner, value, self._path + (key,), schema)
        return value

    def to_dict(self) -> Any:
        """A deep copy of this part of the tree as plain data."""
        return copy.deepcopy(self._target)

    def __len__(self) -> int:
        return len(self._target)

    def __eq__(self, other: object) -> bool:
        return self._target == (other._target if isinstance(other, _Node) else other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        text = repr(self._target)
        return text if len(text) <= 400 else text[:397] + "..."


class NodeDict(_Node):
    """A mapping of the scenario (a site, a radar, ``engagement``): attribute and item access.
    Keys the format does not know are refused with a did-you-mean; fields left out of the file
    read as None (the format's default applies)."""

    __slots__ = ()

    def _check_key(self, key: str) -> None:
        model = _model_of(self._schema)
        if model is None:
            return
        known = list(_fields(model))
        if key not in known:
            raise _unknown_field(self._path, key, known)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return self[key]

    def __getitem__(self, key: str) -> Any:
        if key in self._target:
            return self._wrap(key, self._target[key])
        self._check_key(key)
        model = _model_of(self._schema)
        if model is None:
            raise KeyError(key)
        if _defaults_to_mapping(model, key):  # an omitted settings block: its defaults, editable
            self._target[key] = {}
            return self._wrap(key, self._target[key])
        return _default(model, key)

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def __setitem__(self, key: str, value: Any) -> None:
        self._check_key(key)
        self._target[key] = _plain(value)
        self._owner._touched(self._path + (key,))

    def __delitem__(self, key: str) -> None:
        if key in self._target:
            del self._target[key]
            self._owner._touched(self._path + (key,))

    __delattr__ = __delitem__

    def __contains__(self, key: object) -> bool:
        return key in self._target

    def __iter__(self) -> Iterator[str]:
        return iter(self._target)

    def keys(self):  # noqa: D102
        return self._target.keys()

    def items(self) -> Iterator[tuple[str, Any]]:  # noqa: D102
        return ((k, self._wrap(k, v)) for k, v in self._target.items())

    def __dir__(self) -> list[str]:
        model = _model_of(self._schema)
        return sorted(set(self._target) | (set(_fields(model)) if model else set()))


class NodeList(_Node):
    """A list of the scenario (``sites``, ``threats``, a site's ``radars``): items by index or,
    for named items, by name (``sc.sites["Murted"]``)."""

    __slots__ = ()

    def _index(self, key: int | str | tuple[str]) -> int:
        if isinstance(key, tuple):
            key = key[0]
        if isinstance(key, bool) or not isinstance(key, (int, str)):
            raise ScenarioError(f"list items are addressed by index or name, got {key!r}",
                                field=format_path(self._path))
        n = len(self._target)
        if isinstance(key, int):
            if -n <= key < n:
                return key % n
            raise ScenarioError(f"index {key} is out of range: the list has {n} item{'s' * (n != 1)}",
                                field=format_path(self._path + (key,)))
        names = [item.get("name") for item in self._target if isinstance(item, dict)]
        if key in names:
            return names.index(key)
        named = [str(x) for x in names if x is not None]
        close = difflib.get_close_matches(key, named, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        kind = _kind(format_path(self._path))
        raise ScenarioError(f"no {kind} named {key!r}{hint}; names: {', '.join(named) or '(none)'}",
                            field=format_path(self._path))

    def __getitem__(self, key: int | str) -> Any:
        i = self._index(key)
        return self._wrap(i, self._target[i])

    def __setitem__(self, key: int | str, value: Any) -> None:
        i = self._index(key)
        self._target[i] = _plain(value)
        self._owner._touched(self._path + (i,))

    def __delitem__(self, key: int | str) -> None:
        i = self._index(key)
        del self._target[i]
        self._owner._touched(self._path)

    def append(self, value: Any) -> None:
        """Add an item (a dict as in the file, or an editable node copied)."""
        self._target.append(_plain(value))
        self._owner._touched(self._path)

    def __iter__(self) -> Iterator[Any]:
        return (self._wrap(i, v) for i, v in enumerate(self._target))

    def names(self) -> list[str]:
        """The ``name`` of every item (lists of named items)."""
        return [str(item.get("name")) for item in self._target if isinstance(item, dict)]


def _unknown_field(path: PathKey, key: str, known: list[str]) -> ScenarioError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ScenarioError(f"unknown field {key!r}{hint}; fields here: {', '.join(known)}",
                         field=format_path(path + (key,)))


# ----------------------------------------------------------------------------- the scenario
class EditableScenario:
    """A scenario as editable data. Attribute access walks the tree (``sc.engagement.salvo_size``,
    ``sc.sites["Murted"].radars[0].mast_m = 40``); :meth:`with_` returns an edited copy;
    :meth:`validate` runs the file format's validation and returns the
    :class:`~iadsim.scenario.LoadedScenario` the jobs take; :meth:`to_yaml` writes it back.

    Relative DEM paths resolve against ``base_dir``: the scenario file's folder, or the working
    directory at the time a dict was loaded."""

    def __init__(self, data: dict[str, Any], *, source: str, base_dir: Path, catalog: Catalog | None = None,
                 located: LocatedYaml | None = None, path: Path | None = None) -> None:
        self._data = data
        self.source = source
        self.base_dir = Path(base_dir)
        self.catalog = catalog or load_catalog()
        self._located = located  # the file as read (for line and column of unedited values)
        self._path = path
        self._edited: set[PathKey] = set()
        self._cache: LoadedScenario | None = None

    # -- tree access -------------------------------------------------------------------
    @property
    def root(self) -> NodeDict:
        return NodeDict(self, self._data, (), Scenario)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return self.root[key]

    def __setattr__(self, key: str, value: Any) -> None:
        if key.startswith("_") or key in ("source", "base_dir", "catalog"):
            object.__setattr__(self, key, value)
        else:
            self.root[key] = value

    def __getitem__(self, key: str) -> Any:
        return self.root[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.root[key] = value

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.root.__dir__()))

    def _touched(self, path: PathKey) -> None:
        self._edited.add(path)
        self._cache = None

    def _resolve(self, path: str) -> tuple[_Node, str | int]:
        parts = parse_path(path)
        node: Any = self.root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if isinstance(node, NodeList):
                if isinstance(part, str):
                    raise ScenarioError(f"{format_path(node._path)} is a list: address an item by [index] or "
                                        f"[name] before .{part}", field=path)
                key: str | int = node._index(part)
            elif isinstance(node, NodeDict):
                if not isinstance(part, str):
                    raise ScenarioError(f"{format_path(node._path) or 'the scenario'} is not a list: "
                                        f"[{part if isinstance(part, int) else part[0]}] does not apply", field=path)
                key = part
                if key not in node._target:
                    node._check_key(key)
                    if not last and not _defaults_to_mapping(_model_of(node._schema), key):
                        raise ScenarioError(f"{format_path(node._path + (key,))} is not set in this scenario; "
                                            "set the whole value instead", field=path)
            else:
                raise ScenarioError(f"{format_path(parts_to_key(parts[:depth]))} is a value, not a mapping or list",
                                    field=path)
            if last:
                return node, key
            node = node[key]
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, path: str) -> Any:
        """The value at ``path`` (a view for mappings and lists); unknown paths are an error."""
        node, key = self._resolve(path)
        return node[key]

    def set(self, path: str, value: Any) -> EditableScenario:
        """Set the value at ``path`` in place (returns ``self``)."""
        node, key = self._resolve(path)
        node[key] = value
        return self

    def with_(self, changes: Mapping[str, Any] | None = None, /, **fields: Any) -> EditableScenario:
        """A copy with every ``path: value`` of ``changes`` set (and top-level ``fields``), e.g.
        ``sc.with_({"sites[Murted].radars[0].mast_m": 40, "engagement.salvo_size": 1})``."""
        out = self.copy()
        for path, value in {**(changes or {}), **fields}.items():
            out.set(path, value)
        return out

    def with_overrides(self, overrides: list[str] | tuple[str, ...]) -> EditableScenario:
        """A copy with ``PATH=VALUE`` overrides applied in order, VALUE read as YAML (``40``,
        ``perfect``, ``{48N6E3: 4}``, ``[30, 100]``, ``null``): what ``--set`` and sweeps take."""
        return self.with_(dict(parse_override(o) for o in overrides))

    def copy(self) -> EditableScenario:
        """An independent copy (edits to it do not touch this one)."""
        out = EditableScenario(copy.deepcopy(self._data), source=self.source, base_dir=self.base_dir,
                               catalog=self.catalog, located=self._located, path=self._path)
        out._edited = set(self._edited)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data (a deep copy)."""
        return copy.deepcopy(self._data)

    # -- validation ----------------------------------------------------------------------
    @property
    def edited(self) -> bool:
        """True once anything was changed since loading."""
        return bool(self._edited)

    def dem_path(self) -> Path | None:
        """The DEM file the scenario names, resolved against :attr:`base_dir`."""
        dem = (self._data.get("environment") or {}).get("dem") if isinstance(self._data, dict) else None
        if dem is None:
            return None
        p = Path(str(dem)).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    def validate(self) -> LoadedScenario:
        """Validate against the file format and the catalog; returns the loaded scenario the jobs
        take. Every problem is one :class:`~iadsim.errors.ScenarioError` line."""
        if self._cache is not None:
            return self._cache
        if self._path is not None and not self._edited:
            loaded = _load_file(self._path, self.catalog)
        else:
            loaded = self._validate_tree()
        self._cache = loaded
        return loaded

    def _marks(self) -> dict[PathKey, tuple[int, int]]:
        if self._located is None:
            return {}
        edited = self._edited
        return {p: m for p, m in self._located.marks.items()
                if not any(p[:len(e)] == e for e in edited)}

    def _validate_tree(self) -> LoadedScenario:
        text = self.to_yaml()
        located = LocatedYaml(data=None, source=self.source, marks=self._marks())
        try:
            loaded = parse_scenario(text, source=self.source, base_dir=self.base_dir, catalog=self.catalog)
        except ScenarioError as exc:
            raise _relocate(exc, located) from None
        located = LocatedYaml(data=loaded.located.data, source=self.source, marks=located.marks,
                              sha256=loaded.located.sha256)
        return LoadedScenario(scenario=loaded.scenario, source=self.source, base_dir=self.base_dir, located=located)

    # -- output --------------------------------------------------------------------------
    def to_yaml(self, path: str | Path | None = None) -> str:
        """The scenario as YAML text; with ``path``, also written there (a relative DEM path is
        rewritten to stay valid from the new folder)."""
        data = self._data
        if path is not None:
            dem = self.dem_path()
            if dem is not None and not Path(str(data["environment"]["dem"])).is_absolute():
                data = copy.deepcopy(data)
                data["environment"]["dem"] = _relative_or_absolute(dem, Path(path).resolve().parent)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def __repr__(self) -> str:
        d = self._data if isinstance(self._data, dict) else {}
        sites = d.get("sites") or []
        n_radars = sum(len(s.get("radars") or []) for s in sites if isinstance(s, dict))
        n_threats = sum(int(t.get("count", 1)) if isinstance(t.get("count", 1), int) else 1
                        for t in d.get("threats") or [] if isinstance(t, dict))
        names = ", ".join(str(s.get("name")) for s in sites[:4] if isinstance(s, dict))
        names += ", …" if len(sites) > 4 else ""
        return (f"<EditableScenario {str(d.get('name', '?'))[:60]!r}: {len(sites)} site(s) [{names}], "
                f"{n_radars} radar(s), {n_threats} threat(s); from {_short_source(self.source)}"
                f"{' (edited)' if self.edited else ''}>")

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(repr(self))}</pre>"


def _short_source(source: str) -> str:
    """``…/turkey-2019/scenario.yaml`` for a long path (reprs stay short and machine-neutral)."""
    parts = Path(source).parts
    return source if len(parts) <= 3 else "…/" + "/".join(parts[-2:])


def parts_to_key(parts: list[Any]) -> PathKey:
    return tuple(p[0] if isinstance(p, tuple) else p for p in parts)


def _relative_or_absolute(target: Path, folder: Path) -> str:
    import os

    try:
        return os.path.relpath(target.resolve(), folder)
    except ValueError:  # another drive
        return str(target.resolve())


def _field_key(field: str | None) -> PathKey | None:
    if not field or field == "(document)":
        return None
    try:
        return parts_to_key(parse_path(field))
    except ScenarioError:
        return None


def _relocate(exc: ScenarioError, located: LocatedYaml) -> ScenarioError:
    """The error of a validation of generated text, located in the original file (for unedited
    values) or by field path alone."""
    key = _field_key(exc.field)
    line, column = located.where(key) if key is not None and located.marks else (None, None)
    if key is not None and located.marks and key not in located.marks:
        line = column = None  # an edited or added value: its field path says where
    return ScenarioError(exc.message, file=located.source, line=line, column=column, field=exc.field)


# ----------------------------------------------------------------------------- entry point
def load_scenario(scenario: str | Path | Mapping[str, Any] | EditableScenario | LoadedScenario,
                  catalog: Catalog | None = None) -> EditableScenario:
    """Load a scenario file, a dict holding what such a file holds, or a loaded scenario, as an
    :class:`EditableScenario` (validated once now: a bad file fails here, with its line).

    Parameters
    ----------
    scenario : path of a scenario YAML file, a mapping, or an already loaded scenario.
    catalog : equipment catalog; the packaged one by default.

    Returns
    -------
    EditableScenario
    """
    catalog = catalog or load_catalog()
    if isinstance(scenario, EditableScenario):
        return scenario.copy()
    if isinstance(scenario, LoadedScenario):
        data = scenario.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
        if isinstance(scenario.located.data, dict):
            data = copy.deepcopy(scenario.located.data)
        sc = EditableScenario(data, source=scenario.source, base_dir=scenario.base_dir, catalog=catalog,
                              located=scenario.located)
        sc._cache = scenario
        return sc
    if isinstance(scenario, Mapping):
        sc = EditableScenario(_plain(scenario), source="<dict>", base_dir=Path.cwd(), catalog=catalog)
    elif isinstance(scenario, (str, Path)):
        path = Path(scenario)
        located = read_yaml(path, ScenarioError)
        if not isinstance(located.data, dict):
            raise ScenarioError(f"expected a YAML mapping at the top level, got {type(located.data).__name__}",
                                file=located.source, line=1, column=1)
        sc = EditableScenario(copy.deepcopy(located.data), source=str(path), base_dir=path.resolve().parent,
                              catalog=catalog, located=located, path=path)
    else:
        raise ScenarioError(f"load_scenario takes a file path or a dict, got {type(scenario).__name__}")
    sc.validate()
    return sc
