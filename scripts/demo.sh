#!/usr/bin/env bash
# Set up everything and run the demo scenario end to end (Turkey 2019: an S-400
# battalion at Mürted near Ankara, and a mixed raid): coverage maps, tracking, the battle,
# and one self-contained report.
# Usage: scripts/demo.sh [OUTPUT_DIR]   (default: runs/turkey-2019)
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
cd "$ROOT"
ensure_venv
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$ROOT/.cache/numba}"
export MPLBACKEND=Agg
out="${1:-runs/turkey-2019}"
"$VENV/bin/iadsim" run examples/turkey-2019/scenario.yaml -o "$out"
echo "[iadsim] open $out/report.html"
if "$ROOT/scripts/build_web.sh" --if-missing; then
  echo "[iadsim] or explore it in the viewer: $VENV/bin/iadsim serve $(dirname "$out")  (http://127.0.0.1:8765/)"
fi
