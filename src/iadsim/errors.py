"""One exception family for everything a user can get wrong.

Every error a user can cause (a scenario, a catalog entry, a DEM, a CLI argument, a
measurement batch) is an :class:`IadsimError`. Its ``str()`` is a single line that
names where the problem is and what was expected; the CLI prints exactly that line
and exits non-zero. A traceback reaching a user is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class IadsimError(Exception):
    """Base class of every error iadsim raises on purpose."""


@dataclass
class Location:
    """Where in an input file a problem is (1-based line and column)."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def prefix(self) -> str:
        parts: list[str] = []
        if self.file:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            parts.append(where)
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)


class InputError(IadsimError):
    """Bad input in a file or a request, with its location and what was expected."""

    kind = "input"

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = " ".join(str(message).split())
        self.location = Location(
            file=str(file) if file is not None else None, line=line, column=column, field=field
        )
        super().__init__(str(self))

    @property
    def file(self) -> str | None:
        return self.location.file

    @property
    def line(self) -> int | None:
        return self.location.line

    @property
    def column(self) -> int | None:
        return self.location.column

    @property
    def field(self) -> str | None:
        return self.location.field

    def __str__(self) -> str:
        prefix = self.location.prefix()
        return f"{prefix}: {self.message}" if prefix else self.message


class ScenarioError(InputError):
    """A scenario file that does not parse or does not validate."""

    kind = "scenario"


class CatalogError(InputError):
    """An equipment catalog entry that does not parse, validate, or exist."""

    kind = "catalog"


class TerrainError(InputError):
    """A DEM that is missing, unreadable, has no CRS, or does not cover a site."""

    kind = "terrain"


class MeasurementError(InputError):
    """Measurements a tracker cannot accept (NaN, singular noise, time going backwards)."""

    kind = "measurement"


class ResourceError(InputError):
    """A scenario whose estimated memory or run time is above iadsim's hard limits (``--force`` runs it)."""

    kind = "resource"

class OutputError(InputError):
    """An output folder or file iadsim cannot write (disk full, read-only, name too long), or a
    folder it will not overwrite (someone else's files, another scenario's run)."""

    kind = "output"


# errno → what the user can do about it (messages stay one line; the file is the location)
_ERRNO_HINTS = {
    "ENOSPC": "no space left on the device; free some space or choose another output folder",
    "EDQUOT": "disk quota exceeded; free some space or choose another output folder",
    "EROFS": "the file system is read-only; choose a writable output folder",
    "EACCES": "permission denied; choose a folder you can write to",
    "EPERM": "operation not permitted; choose a folder you can write to",
    "ENAMETOOLONG": "a file or folder name is longer than the file system allows (255 bytes per name)",
    "EISDIR": "is a directory; expected a file",
    "ENOTDIR": "a part of the path is a file; expected a folder",
    "ENOENT": "no such file or folder",
    "EIO": "input/output error from the device",
    "EMFILE": "too many open files",
}


def one_line(text: object, limit: int = 300) -> str:
    """``text`` as one printable line of at most ``limit`` characters (control characters escaped)."""
    s = str(text)
    s = "".join(c if c.isprintable() else repr(c)[1:-1] for c in s)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def os_error(exc: BaseException, *, action: str, file: str | Path | None = None,
             cls: type[InputError] = OutputError) -> InputError:
    """An :class:`OSError` (or a GDAL/rasterio/pyarrow I/O error) as a one-line ``cls`` that names
    the file (``exc.filename`` when the OS gave one, else ``file``) and says what to do."""
    import errno as _errno

    code = getattr(exc, "errno", None)
    hint = _ERRNO_HINTS.get(_errno.errorcode.get(code, "")) if isinstance(code, int) else None
    if hint is None:
        hint = getattr(exc, "strerror", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
        if "No space left" in hint:
            hint = _ERRNO_HINTS["ENOSPC"]
    name = getattr(exc, "filename", None) or file
    return cls(f"cannot {action}: {one_line(hint)}", file=one_line(name, 1000) if name is not None else None)
