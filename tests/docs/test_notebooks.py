"""Every tutorial notebook in ``docs/tutorials`` executes without error (nbclient, venv kernel, no network).

A notebook runs in a fresh kernel of this interpreter with ``src`` first on ``PYTHONPATH``, from a
temporary directory, with proxies pointing at a closed local port so that a download fails instead
of silently depending on the network. No notebook at all is a failure, not a pass.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "docs" / "tutorials").glob("*.ipynb"))
TIMEOUT_S = 300
NO_NETWORK = "http://127.0.0.1:9"


def test_there_are_tutorials():
    assert NOTEBOOKS, "docs/tutorials/*.ipynb: no notebook found; the tutorials section would be empty"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path: Path, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(var, NO_NETWORK)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(tmp_path)}})
    # the kernel is this interpreter (ipykernel's own kernelspec uses sys.executable)
    client.kernel_manager_class = _kernel_manager()
    client.execute()
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{path.name} produced no output"


def _kernel_manager():
    from jupyter_client.manager import KernelManager

    class ThisInterpreter(KernelManager):
        """Start the kernel with the interpreter running the tests, whatever kernelspecs exist."""

        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            return [sys.executable, *cmd[1:]] if cmd and "python" in Path(cmd[0]).name else cmd

    return ThisInterpreter
