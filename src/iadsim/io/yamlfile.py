"""YAML that remembers where every value came from, and pydantic errors that say so.

The file is read as a stream of libyaml (or PyYAML) parser events and built into plain Python
data by one iterative pass, keeping a map from each value's path (``("sites", 0, "lat_deg")``)
to its (line, column). When pydantic rejects the data, the first error's ``loc`` is looked up in
that map so the message names file, line, column and field. Duplicate keys and foreign tags are
rejected.

Nothing in a file can exhaust the machine: the front end enforces :class:`YamlLimits` (file
size, nodes, nodes reached through aliases, nesting depth) and stops at the first node over a
limit with a one-line error naming the limit and the environment variable that raises it. An
alias is built once and shared (never re-expanded), and no recursion is involved, so neither an
alias bomb nor deep nesting can take time, memory or the stack.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from iadsim.errors import InputError

PathKey = tuple[Any, ...]
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"}
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_EXP_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)[eE][-+]?[0-9]+$")
M = TypeVar("M", bound=pydantic.BaseModel)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Longest piece of a user's value quoted in an error message, characters.
QUOTE_MAX_CHARS = 200


def quote(value: Any, limit: int = QUOTE_MAX_CHARS) -> str:
    """``repr(value)`` cut to at most ``limit`` characters (with the full length said), for
    error messages that must stay one readable line whatever the input holds."""
    text = repr(value) if not isinstance(value, str) or len(value) <= 4 * limit else repr(value[: 4 * limit])
    if isinstance(value, str) and len(value) > limit:
        return f"{text[: limit - 1]}…' ({len(value):,} characters)"
    if len(text) > limit:
        return text[: limit - 1] + "…"
    return text


@dataclass(frozen=True)
class YamlLimits:
    """What one YAML file may ask of the parser. Each default is far above any real scenario
    (the demo: 9 KB, about 700 nodes, no aliases, depth 5) and far below what hurts; each can be
    raised with its environment variable (or by passing ``limits=`` to :func:`parse_yaml`)."""

    max_bytes: int = 32 * 1024 * 1024  # IADSIM_YAML_MAX_BYTES
    max_nodes: int = 5_000_000  # IADSIM_YAML_MAX_NODES, counting values reached through aliases
    max_alias_nodes: int = 200_000  # IADSIM_YAML_MAX_ALIAS_NODES, nodes reached through aliases
    max_depth: int = 100  # IADSIM_YAML_MAX_DEPTH, nested mappings/sequences

    ENV = {"max_bytes": "IADSIM_YAML_MAX_BYTES", "max_nodes": "IADSIM_YAML_MAX_NODES",
           "max_alias_nodes": "IADSIM_YAML_MAX_ALIAS_NODES", "max_depth": "IADSIM_YAML_MAX_DEPTH"}

    @classmethod
    def from_env(cls) -> YamlLimits:
        """The defaults, with any ``IADSIM_YAML_MAX_*`` environment variable applied."""
        values: dict[str, int] = {}
        for name, var in cls.ENV.items():
            raw = os.environ.get(var)
            if raw is None or not raw.strip():
                continue
            try:
                n = int(raw)
                if n < 1:
                    raise ValueError
            except ValueError:
                raise InputError(f"{var}={quote(raw)} is not a positive whole number", field=var) from None
            values[name] = n
        return cls(**values)

    def exceeded(self, name: str, what: str) -> str:
        """The message for a file over limit ``name``."""
        return (f"{what}: over the limit of {getattr(self, name):,} ({name}, a safety limit against files "
                f"that would exhaust the machine; set {self.ENV[name]} to raise it)")


@dataclass
class LocatedYaml:
    """Parsed YAML data with the (1-based) line and column of every value."""

    data: Any
    source: str
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    sha256: str = ""  # of the parsed text (UTF-8), for run manifests
    #: where the key of a block-style mapping or list value is, when it is on an earlier line
    key_marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: PathKey) -> tuple[int | None, int | None]:
        """Line and column of the deepest existing prefix of ``path``."""
        path = tuple(path)
        for n in range(len(path), -1, -1):
            mark = self.marks.get(path[:n])
            if mark is not None:
                return mark
        return None, None


def format_path(path: PathKey) -> str:
    """``("sites", 0, "lat_deg")`` -> ``sites[0].lat_deg`` (each name cut to 60 characters)."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            text = str(part)
            if len(text) > 60:
                text = text[:59] + "…"
            out += ("." if out else "") + text
    if len(out) > 160:  # deep nesting: keep the start and the end of the path
        out = out[:60] + "…" + out[-99:]
    return out or "(document)"


class _Frame:
    """A mapping or sequence being built: its container, path, and expanded node count."""

    __slots__ = ("container", "path", "anchor", "size", "key", "key_mark", "merges", "is_map")

    def __init__(self, container: Any, path: PathKey, anchor: str | None) -> None:
        self.container = container
        self.path = path
        self.anchor = anchor
        self.size = 1
        self.key: Any = _NO_KEY
        self.key_mark: Any = None
        self.merges: list[tuple[Any, Any]] = []
        self.is_map = isinstance(container, dict)


_NO_KEY = object()


class _Builder:
    """Plain data from parser events, iteratively, with limits; see the module docstring."""

    def __init__(self, loader: Any, source: str, error_cls: type[InputError], limits: YamlLimits) -> None:
        self.loader = loader
        self.source = source
        self.error_cls = error_cls
        self.limits = limits
        self.marks: dict[PathKey, tuple[int, int]] = {}
        self.key_marks: dict[PathKey, tuple[int, int]] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.nodes = 0
        self.alias_nodes = 0
        self.stack: list[_Frame] = []
        self.result: Any = _NO_KEY
        self.plain: dict[str, Any] = {}  # plain scalar text -> its (immutable) value

    def fail(self, message: str, mark: Any, path: PathKey | None = None) -> InputError:
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        return self.error_cls(message, file=self.source, line=line, column=col,
                              field=format_path(path) if path else None)

    def run(self) -> Any:
        get = self.loader.get_event
        while True:
            ev = get()
            kind = type(ev)
            if kind is yaml.ScalarEvent:
                self.scalar(ev)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self.start(ev, kind is yaml.MappingStartEvent)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                self.end(ev)
            elif kind is yaml.AliasEvent:
                self.alias(ev)
            elif kind is yaml.DocumentEndEvent:
                break
            elif kind is yaml.StreamEndEvent:
                break
        if self.loader.check_event(yaml.DocumentStartEvent):
            ev = self.loader.get_event()
            raise self.fail("expected a single document in the file, but found another document", ev.start_mark)
        return self.result

    # -- where a new value goes ------------------------------------------------------------
    def child_path(self) -> PathKey | None:
        """The path of the next value, or None when it is a mapping key."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if top.is_map:
            return None if top.key is _NO_KEY else top.path + (top.key,)
        return top.path + (len(top.container),)

    def count(self, n: int, mark: Any, through_alias: bool = False) -> None:
        self.nodes += n
        if self.nodes > self.limits.max_nodes:
            raise self.fail(self.limits.exceeded("max_nodes", "the file holds too many values"), mark)
        if through_alias:
            self.alias_nodes += n
            if self.alias_nodes > self.limits.max_alias_nodes:
                raise self.fail(self.limits.exceeded(
                    "max_alias_nodes", "aliases (*name) expand to too many values"), mark)

    def put(self, value: Any, mark: Any, size: int) -> None:
        """Place a finished value (scalar, alias or closed container) into its parent."""
        if not self.stack:
            self.result = value
            return
        top = self.stack[-1]
        top.size += size
        if not top.is_map:
            top.container.append(value)
            return
        if top.key is _NO_KEY:  # this value is a key
            self.set_key(top, value, mark)
            return
        key, top.key = top.key, _NO_KEY
        if key is _MERGE:
            top.merges.append((value, mark))
        else:
            top.container[key] = value

    def set_key(self, top: _Frame, key: Any, mark: Any) -> None:
        if key is _MERGE:
            top.key, top.key_mark = key, mark
            return
        if isinstance(key, bool) or key is None or not isinstance(key, (str, int, float)):
            raise self.fail(f"mapping keys must be plain names, got {type(key).__name__}", mark, top.path)
        if key in top.container:
            raise self.fail(f"duplicate key {quote(key)} (each key may appear once)", mark, top.path + (key,))
        top.key, top.key_mark = key, mark

    # -- events ----------------------------------------------------------------------------
    def scalar(self, ev: Any) -> None:
        """A scalar: the hot path of a large file, so the common steps are inlined here."""
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            self.count(0, ev.start_mark)
        stack = self.stack
        top = stack[-1] if stack else None
        if top is None:
            path: PathKey | None = ()
        elif top.is_map:
            path = None if top.key is _NO_KEY else top.path + (top.key,)
        else:
            path = top.path + (len(top.container),)
        value = _NO_KEY
        if ev.tag is None and not ev.style and ev.anchor is None:  # plain scalar: memoised
            value = self.plain.get(ev.value, _NO_KEY)
        if value is _NO_KEY:
            value = self.construct(ev, path)
        mark = ev.start_mark
        if path is not None:
            self.marks[path] = (mark.line + 1, mark.column + 1)
        if ev.anchor is not None:
            self.anchors[ev.anchor] = (value, 1)
        if top is None:
            self.result = value
            return
        top.size += 1
        if not top.is_map:
            top.container.append(value)
        elif path is None:
            self.set_key(top, value, mark)
        else:
            key, top.key = top.key, _NO_KEY
            if key is _MERGE:
                top.merges.append((value, mark))
            else:
                top.container[key] = value

    def construct(self, ev: Any, path: PathKey | None) -> Any:
        """The Python value of a scalar event (tag resolved; plain immutable values memoised)."""
        tag = ev.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, ev.value, ev.implicit)
            if tag == _STR_TAG and ev.implicit[0] and _EXP_FLOAT.match(ev.value):
                tag = _FLOAT_TAG  # YAML 1.2: a plain 1e5 or 1.0e12 is a number, not text
        if tag == _MERGE_TAG and path is None:
            return _MERGE
        constructor = self.loader.yaml_constructors.get(tag)
        if constructor is None or tag == _MERGE_TAG:
            raise self.fail(f"unsupported YAML tag {quote(tag)}", ev.start_mark, path or None)
        node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, ev.style)
        try:
            value = constructor(self.loader, node)
        except (ValueError, TypeError, OverflowError) as exc:
            why = "too many digits" if "digits" in str(exc) else _first_line(exc)
            raise self.fail(f"cannot read the value {quote(ev.value, 60)}: {why}",
                            ev.start_mark, path or None) from None
        if ev.tag is None and not ev.style and ev.anchor is None and len(self.plain) < 65_536 and \
                isinstance(value, (str, int, float, bool, type(None))):
            self.plain[ev.value] = value  # immutable values only: safe to share
        return value

    def start(self, ev: Any, is_map: bool) -> None:
        path = self.child_path()
        if path is None:
            raise self.fail("mapping keys must be plain names, got "
                            f"{'dict' if is_map else 'list'}", ev.start_mark, self.stack[-1].path)
        tag = ev.tag
        if tag is not None and tag != "!" and tag not in _PLAIN_TAGS:
            raise self.fail(f"unsupported YAML tag {quote(tag)}", ev.start_mark, path)
        if len(self.stack) >= self.limits.max_depth:
            raise self.fail(self.limits.exceeded("max_depth", "mappings and lists nest too deep"),
                            ev.start_mark, path)
        self.count(1, ev.start_mark)
        self.marks[path] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
        key_mark = self.stack[-1].key_mark if self.stack and self.stack[-1].is_map else None
        if key_mark is not None and key_mark.line != ev.start_mark.line:  # `key:` then a block below
            self.key_marks[path] = (key_mark.line + 1, key_mark.column + 1)
        self.stack.append(_Frame({} if is_map else [], path, ev.anchor))

    def end(self, ev: Any) -> None:
        frame = self.stack.pop()
        if frame.is_map:
            self.merge(frame)
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (frame.container, frame.size)
        self.put(frame.container, ev.start_mark, frame.size)

    def merge(self, frame: _Frame) -> None:
        """Apply ``<<: *base`` merge keys: keys written in the mapping win over merged ones."""
        out = frame.container
        for value, mark in frame.merges:
            sources = value if isinstance(value, list) else [value]
            for src in sources:
                if not isinstance(src, dict):
                    raise self.fail("a merge key (<<) needs a mapping or a list of mappings", mark, frame.path)
                for k, v in src.items():
                    out.setdefault(k, v)

    def alias(self, ev: Any) -> None:
        path = self.child_path()
        found = self.anchors.get(ev.anchor)
        if found is None:
            raise self.fail(f"found undefined alias {quote(ev.anchor)}", ev.start_mark, path or None)
        value, size = found
        self.count(size, ev.start_mark, through_alias=True)
        if path is not None:
            self.marks[path] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
        self.put(value, ev.start_mark, size)


_MERGE = object()


def parse_yaml(text: str, source: str, error_cls: type[InputError] = InputError,
               limits: YamlLimits | None = None) -> LocatedYaml:
    """Parse one YAML document from ``text``; ``source`` names it in errors.

    ``limits`` default to :meth:`YamlLimits.from_env`; a file over one is refused with a
    one-line ``error_cls`` that names the limit and how to raise it."""
    limits = limits or YamlLimits.from_env()
    n_bytes = len(text.encode("utf-8")) if len(text) * 4 > limits.max_bytes else len(text)
    if n_bytes > limits.max_bytes:
        raise error_cls(limits.exceeded("max_bytes", f"the file is {n_bytes:,} bytes"), file=source)
    loader = None
    try:
        loader = _Loader(text)
        loader.get_event()  # StreamStart
        if not loader.check_event(yaml.DocumentStartEvent):
            raise error_cls("the file is empty; expected a YAML mapping", file=source, line=1, column=1)
        loader.get_event()
        builder = _Builder(loader, source, error_cls, limits)
        data = builder.run()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "not valid YAML"
        raise error_cls(
            f"not valid YAML: {problem}",
            file=source,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        raise error_cls(f"not valid YAML: {_first_line(exc)}", file=source) from None
    except (ValueError, TypeError, OverflowError) as exc:  # a constructor choking on a value
        raise error_cls(f"not valid YAML: {_first_line(exc)}", file=source) from None
    finally:
        if loader is not None:
            loader.dispose()
    if data is _NO_KEY:
        raise error_cls("the file is empty; expected a YAML mapping", file=source, line=1, column=1)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LocatedYaml(data=data, source=source, marks=builder.marks, sha256=digest, key_marks=builder.key_marks)


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= QUOTE_MAX_CHARS else text[: QUOTE_MAX_CHARS - 1] + "…"


def read_yaml(path: str | Path, error_cls: type[InputError] = InputError,
              limits: YamlLimits | None = None) -> LocatedYaml:
    """Read and parse a YAML file, turning I/O and encoding problems into ``error_cls``.
    A file larger than ``limits.max_bytes`` is refused before it is read."""
    path = Path(path)
    limits = limits or YamlLimits.from_env()
    try:
        size = path.stat().st_size
        if path.is_file() and size > limits.max_bytes:
            raise error_cls(limits.exceeded("max_bytes", f"the file is {size:,} bytes"), file=path)
        with path.open("rb") as fh:
            raw = fh.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise error_cls("file not found", file=path) from None
    except IsADirectoryError:
        raise error_cls("is a directory; expected a YAML file", file=path) from None
    except OSError as exc:
        raise error_cls(f"cannot read the file ({exc.strerror})", file=path) from None
    if len(raw) > limits.max_bytes:
        raise error_cls(limits.exceeded("max_bytes", f"the file is over {limits.max_bytes:,} bytes"), file=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error_cls(f"not UTF-8 text (byte {exc.start})", file=path) from None
    return parse_yaml(text, str(path), error_cls, limits)


class LocatedValueError(ValueError):
    """A ``ValueError`` raised inside a pydantic validator that knows which field (relative to
    the model being validated) is wrong, so the error is reported at that field's line rather
    than at the model's: ``raise LocatedValueError("…", "radars", 0, "equipment")``."""

    def __init__(self, message: str, *path: Any) -> None:
        super().__init__(message)
        self.path: PathKey = tuple(path)


def _describe(err: Mapping[str, Any], known: list[str] | None = None) -> str:
    msg = str(err.get("msg", "invalid value"))
    typ = err.get("type", "")
    if typ == "missing":
        return "required field is missing"
    if typ == "extra_forbidden":
        loc = err.get("loc", ())
        name = str(loc[-1]) if loc else ""
        close = difflib.get_close_matches(name[:100], known or [], n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        listed = f"known fields here: {', '.join(known)}" if known else "`iadsim schema` lists the fields"
        return f"unknown field ({hint}{listed})"
    msg = msg.removeprefix("Value error, ")
    if "input" in err and typ not in ("missing", "value_error", "assertion_error") and not isinstance(
        err["input"], (dict, list)
    ):
        msg += f" (got {quote(err['input'], 60)})"
    return msg


def unwrap_annotation(t: Any) -> Any:
    """The type inside ``Annotated[...]`` and ``X | None`` (a union of several types is returned as is)."""
    while True:
        origin = typing.get_origin(t)
        if origin is typing.Annotated:
            t = typing.get_args(t)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(t) if a is not type(None)]
            if len(args) != 1:
                return t
            t = args[0]
        else:
            return t


def _model_field(model: type[pydantic.BaseModel], key: Any) -> Any:
    for name, info in model.model_fields.items():
        if key == name or key == info.alias:
            return info.annotation
    return None


def known_fields(model: type[pydantic.BaseModel], loc: PathKey) -> list[str] | None:
    """The field names (as written in files, i.e. aliases) of the model found at ``loc`` inside
    ``model``, or None when ``loc`` does not lead to a model."""
    t: Any = model
    for part in loc:
        t = unwrap_annotation(t)
        if isinstance(t, type) and issubclass(t, pydantic.BaseModel):
            t = _model_field(t, part)
            if t is None:
                return None
            continue
        origin, args = typing.get_origin(t), typing.get_args(t)
        if origin in (list, tuple, set, frozenset) and args:
            t = args[0]
        elif origin is dict and len(args) == 2:
            t = args[1]
        else:
            return None
    t = unwrap_annotation(t)
    if isinstance(t, type) and issubclass(t, pydantic.BaseModel):
        return [info.alias or name for name, info in t.model_fields.items()]
    return None


def raise_validation_error(
    exc: pydantic.ValidationError, located: LocatedYaml, error_cls: type[InputError],
    path_prefix: PathKey = (), model: type[pydantic.BaseModel] | None = None,
) -> None:
    """Re-raise a pydantic error as ``error_cls`` at the first problem's file position.

    A :class:`LocatedValueError` from a model validator moves the position to the field it
    names; an unknown field is named with the closest known field of ``model`` at that place."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    if first.get("type") == "missing":  # a misspelt key: name the unknown one, with a suggestion
        parent = tuple(first.get("loc", ()))[:-1]
        first = next((e for e in errors if e.get("type") == "extra_forbidden"
                      and tuple(e.get("loc", ()))[:-1] == parent), first)
    loc = tuple(p for p in first.get("loc", ()) if not _is_union_tag(p))
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, LocatedValueError):
        loc += cause.path
    known = known_fields(model, loc[:-1]) if model is not None and first.get("type") == "extra_forbidden" else None
    loc = path_prefix + loc
    line, column = located.where(loc)
    if first.get("type") == "extra_forbidden" and loc in located.key_marks:
        line, column = located.key_marks[loc]  # an unknown key: point at the key, not its block
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    raise error_cls(_describe(first, known) + more, file=located.source, line=line, column=column,
                    field=format_path(loc)) from None


def _is_union_tag(part: Any) -> bool:
    # pydantic inserts the chosen member's name into loc for tagged/plain unions,
    # e.g. ('function-after[...]',) — those are not keys in the file.
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def validate(model: type[M], located: LocatedYaml, error_cls: type[InputError],
             context: dict[str, Any] | None = None) -> M:
    """Validate ``located.data`` against ``model``; errors name file, line, column, field."""
    if not isinstance(located.data, dict):
        raise error_cls(
            f"expected a YAML mapping at the top level, got {type(located.data).__name__}",
            file=located.source, line=1, column=1,
        )
    try:
        return model.model_validate(located.data, context=context)
    except pydantic.ValidationError as exc:
        raise_validation_error(exc, located, error_cls, model=model)
    raise AssertionError("unreachable")  # pragma: no cover
