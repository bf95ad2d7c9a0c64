"""Build step for the web viewer: ``setuptools`` metadata lives in pyproject.toml.

When ``src/iadsim/web/static/`` has not been built and the front-end sources (``web/``) are present,
building the package runs ``scripts/build_web.sh`` (npm ci + esbuild) so the wheel ships the viewer
and ``pip install`` users need no npm. Without npm the package still builds (the viewer then serves
only its JSON API) and says so.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithViewer(build_py):
    def run(self):
        static = ROOT / "src" / "iadsim" / "web" / "static" / "index.html"
        if not static.is_file() and (ROOT / "web" / "package.json").is_file():
            if shutil.which("npm") and shutil.which("bash"):
                subprocess.run(["bash", str(ROOT / "scripts" / "build_web.sh")], check=True)
            else:
                print("[iadsim] npm not found: building without the viewer front end", file=sys.stderr)
        super().run()


setup(cmdclass={"build_py": BuildPyWithViewer})
