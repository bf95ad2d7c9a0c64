"""YAML that remembers where every value came from, and pydantic errors that say so.

PyYAML's composer keeps a start mark (line, column) on every node; we walk the node
tree once, build plain Python data, and keep a map from each value's path
(``("sites", 0, "lat_deg")``) to its mark. When pydantic rejects the data, the first
error's ``loc`` is looked up in that map so the message names file, line, column and
field. Duplicate keys are rejected (PyYAML silently keeps the last one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from iadsim.errors import InputError

PathKey = tuple[Any, ...]
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"}
M = TypeVar("M", bound=pydantic.BaseModel)


@dataclass
class LocatedYaml:
    """Parsed YAML data with the (1-based) line and column of every value."""

    data: Any
    source: str
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    sha256: str = ""  # of the parsed text (UTF-8), for run manifests

    def where(self, path: PathKey) -> tuple[int | None, int | None]:
        """Line and column of the deepest existing prefix of ``path``."""
        path = tuple(path)
        for n in range(len(path), -1, -1):
            mark = self.marks.get(path[:n])
            if mark is not None:
                return mark
        return None, None


def format_path(path: PathKey) -> str:
    """``("sites", 0, "lat_deg")`` -> ``sites[0].lat_deg``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: PathKey, marks: dict, source: str,
           error_cls: type[InputError]) -> Any:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
        raise error_cls(f"unsupported YAML tag {node.tag!r}", file=source, line=node.start_mark.line + 1,
                        column=node.start_mark.column + 1, field=format_path(path))
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise error_cls(
                    f"mapping keys must be plain names, got {type(key).__name__}",
                    file=source, line=key_node.start_mark.line + 1,
                    column=key_node.start_mark.column + 1, field=format_path(path),
                )
            if key in out:
                raise error_cls(
                    f"duplicate key {key!r} (each key may appear once)",
                    file=source, line=key_node.start_mark.line + 1,
                    column=key_node.start_mark.column + 1, field=format_path(path + (key,)),
                )
            out[key] = _build(loader, value_node, path + (key,), marks, source, error_cls)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(loader, item, path + (i,), marks, source, error_cls)
            for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, source: str, error_cls: type[InputError] = InputError) -> LocatedYaml:
    """Parse one YAML document from ``text``; ``source`` names it in errors."""
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            raise error_cls("the file is empty; expected a YAML mapping", file=source, line=1, column=1)
        marks: dict[PathKey, tuple[int, int]] = {}
        data = _build(loader, node, (), marks, source, error_cls)
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
        raise error_cls(f"not valid YAML: {exc}", file=source) from None
    except (ValueError, TypeError, OverflowError) as exc:  # a constructor choking on a value
        raise error_cls(f"not valid YAML: {exc}", file=source) from None
    finally:
        if loader is not None:
            loader.dispose()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LocatedYaml(data=data, source=source, marks=marks, sha256=digest)


def read_yaml(path: str | Path, error_cls: type[InputError] = InputError) -> LocatedYaml:
    """Read and parse a YAML file, turning I/O and encoding problems into ``error_cls``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error_cls("file not found", file=path) from None
    except IsADirectoryError:
        raise error_cls("is a directory; expected a YAML file", file=path) from None
    except OSError as exc:
        raise error_cls(f"cannot read the file ({exc.strerror})", file=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error_cls(f"not UTF-8 text (byte {exc.start})", file=path) from None
    return parse_yaml(text, str(path), error_cls)


def _describe(err: Mapping[str, Any]) -> str:
    msg = str(err.get("msg", "invalid value"))
    typ = err.get("type", "")
    if typ == "missing":
        return "required field is missing"
    if typ == "extra_forbidden":
        return "unknown field (check the spelling; `iadsim schema` lists the fields)"
    msg = msg.removeprefix("Value error, ")
    if "input" in err and typ not in ("missing", "value_error", "assertion_error") and not isinstance(
        err["input"], (dict, list)
    ):
        got = repr(err["input"])
        if len(got) > 60:
            got = got[:57] + "..."
        msg += f" (got {got})"
    return msg


def raise_validation_error(
    exc: pydantic.ValidationError, located: LocatedYaml, error_cls: type[InputError],
    path_prefix: PathKey = (),
) -> None:
    """Re-raise a pydantic error as ``error_cls`` at the first problem's file position."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = path_prefix + tuple(p for p in first.get("loc", ()) if not _is_union_tag(p))
    line, column = located.where(loc)
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    raise error_cls(_describe(first) + more, file=located.source, line=line, column=column,
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
        raise_validation_error(exc, located, error_cls)
    raise AssertionError("unreachable")  # pragma: no cover
