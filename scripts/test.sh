#!/usr/bin/env bash
# Set up everything (virtualenv, pinned dependencies, GDAL's command-line tools for the
# comparison tests) and run the whole test suite. Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
cd "$ROOT"
ensure_venv dev

if ! command -v gdal_viewshed >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "[iadsim] installing gdal-bin (gdal_viewshed) for the terrain comparison tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdal-bin) >/dev/null
  else
    echo "[iadsim] gdal_viewshed not found and cannot apt-get install it: the GDAL comparison tests will be skipped" >&2
  fi
fi

if [ "$(id -u)" = "0" ] && [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  echo "[iadsim] installing Debian's chromium for the web viewer's browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
fi
if [ "$(id -u)" = "0" ] && ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "[iadsim] installing nodejs and npm to build the web viewer"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) >/dev/null
fi
"$ROOT/scripts/build_web.sh" --if-missing  # the viewer's front end (npm ci + esbuild) when not built

export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-$ROOT/.cache/numba}"
export MPLBACKEND=Agg
workers="${IADSIM_TEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}"
set +e
"$VENV/bin/python" -m pytest -n "$workers" -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" = "5" ]; then
  echo "[iadsim] pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$rc"
