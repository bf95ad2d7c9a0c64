#!/usr/bin/env bash
# Build the web viewer's front end (web/ -> src/iadsim/web/static/) with the npm lock file.
# Needs node and npm (npm ci downloads the pinned packages from the npm registry once).
# Usage: scripts/build_web.sh [--if-missing]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATIC="$ROOT/src/iadsim/web/static"
if [ "${1:-}" = "--if-missing" ] && [ -f "$STATIC/index.html" ] \
   && [ -z "$(find "$ROOT/web/src" "$ROOT/web/index.html" "$ROOT/web/build.mjs" "$ROOT/web/package-lock.json" -newer "$STATIC/index.html" 2>/dev/null)" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "[iadsim] npm not found: install Node.js (>= 18) and npm to build the web viewer" >&2
  exit 1
fi
cd "$ROOT/web"
stamp="node_modules/.iadsim-lock-sha"
want="$(sha256sum package-lock.json | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[iadsim] npm ci (web viewer)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
npm run --silent build
