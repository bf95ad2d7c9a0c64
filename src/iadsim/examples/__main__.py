"""``python -m iadsim.examples [list | path NAME]``: list the packaged demos or print one's path."""

from __future__ import annotations

import sys

from iadsim.errors import IadsimError
from iadsim.examples import names, path

USAGE = "usage: python -m iadsim.examples [list | path NAME]"


def main(argv: list[str] | None = None) -> int:
    """Print the example names (``list``, the default) or one scenario's path (``path NAME``)."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args == ["list"]:
        print("\n".join(names()))
        return 0
    if len(args) == 2 and args[0] == "path":
        try:
            print(path(args[1]))
        except IadsimError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
