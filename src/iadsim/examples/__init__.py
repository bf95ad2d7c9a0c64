"""Demo scenarios shipped inside the package, so an installed wheel can run them anywhere.

Each example is a folder holding ``scenario.yaml`` and the files it names (terrain), so a
scenario's relative paths resolve next to it. Find one from Python or from a shell:

>>> from iadsim import examples
>>> examples.names()
['turkey-2019']
>>> examples.path("turkey-2019").name
'scenario.yaml'

.. code-block:: console

    $ python -m iadsim.examples path turkey-2019
    .../site-packages/iadsim/examples/turkey-2019/scenario.yaml
    $ iadsim run "$(python -m iadsim.examples path turkey-2019)" -o runs/turkey-2019

In a source checkout the same files also live in ``examples/turkey-2019/`` (the copy the
README and scripts use); ``tests/packaging`` checks that both copies are byte-identical.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from iadsim.errors import InputError

__all__ = ["EXAMPLES_DIR", "names", "path"]

#: Folder holding one sub-folder per packaged example.
EXAMPLES_DIR = Path(__file__).resolve().parent
SCENARIO_FILE = "scenario.yaml"


def names() -> list[str]:
    """Names of the packaged examples (sorted), each usable with :func:`path`."""
    return sorted(p.name for p in EXAMPLES_DIR.iterdir() if (p / SCENARIO_FILE).is_file())


def path(name: str = "turkey-2019") -> Path:
    """Absolute path of a packaged example's ``scenario.yaml``.

    Parameters
    ----------
    name
        The example's name, one of :func:`names`.

    Returns
    -------
    Path
        ``.../iadsim/examples/<name>/scenario.yaml``; its terrain lies next to it.

    Raises
    ------
    InputError
        When no example has that name (the message lists the known ones).
    """
    known = names()
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise InputError(f"no packaged example named {name!r}; expected one of {', '.join(known)}{hint}",
                         field="example")
    return EXAMPLES_DIR / name / SCENARIO_FILE
