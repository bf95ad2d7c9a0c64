"""``iadsim serve DIR``: the local web viewer over a folder of runs (registers on the main app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from iadsim.cli.main import app, console, lit


@app.command()
def serve(
    folder: Annotated[Path, typer.Argument(help="Folder holding run folders written by `iadsim run`; uploaded "
                                           "scenarios go to FOLDER/scenarios, new runs into FOLDER.",
                                           show_default=False)],
    host: Annotated[str, typer.Option("--host", help="Interface to bind; the default serves this machine only. "
                                      "Anything else exposes the viewer (and its run button) to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port).")] = 8765,
) -> None:
    """Serve the web viewer: map with sites, coverage overlays by class and altitude, nominal rings, and
    timeline playback of threats, tracks, interceptors, kills and leaks; upload, validate and run scenarios.

    Example: iadsim serve runs --port 8765   (then open http://127.0.0.1:8765/)
    """
    from iadsim.web import create_app
    from iadsim.web.app import STATIC

    application = create_app(folder)  # a missing folder is a one-line error before anything binds
    import uvicorn

    if not (STATIC / "index.html").is_file():
        console.print("[yellow]the front end is not built; only the JSON API is served "
                      "(run scripts/build_web.sh)[/yellow]")
    console.print(f"iadsim viewer on [bold]http://{lit(host)}:{port}/[/bold] over {lit(folder.resolve())} "
                  "(Ctrl+C to stop)", highlight=False)
    uvicorn.run(application, host=host, port=port, log_level="warning")
