"""``iadsim serve``: a local web viewer over a folder of runs (FastAPI JSON API + static front end).

:func:`create_app` builds the application over a folder ``DIR`` holding run folders written by
``iadsim run`` (each with ``manifest.json``); :func:`serve` runs it with uvicorn, bound to the
loopback interface unless told otherwise. The front end is built from ``web/`` at the repository
root into ``static/`` (``scripts/build_web.sh``) and ships inside the wheel.
"""

from iadsim.web.app import DEFAULT_HOST, DEFAULT_PORT, MAX_UPLOAD_BYTES, create_app, serve

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "MAX_UPLOAD_BYTES", "create_app", "serve"]
