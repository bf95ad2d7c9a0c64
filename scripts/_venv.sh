# Sourced by the other scripts: create .venv (reused when present) and install the
# pinned dependency tree plus iadsim itself. Usage: ensure_venv [extra]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

ensure_venv() {
  local extra="${1:-}"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "[iadsim] creating virtualenv at $VENV"
    "$PY" -m venv "$VENV"
  fi
  local stamp="$VENV/.iadsim-installed${extra:+-$extra}"
  local want
  want="$(cat "$ROOT/pyproject.toml" "$ROOT/requirements/lock.txt" ${extra:+"$ROOT/requirements/lock-$extra.txt"} | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "[iadsim] installing pinned dependencies${extra:+ (+$extra)}"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements/lock.txt" ${extra:+-r "$ROOT/requirements/lock-$extra.txt"}
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e "$ROOT"
    echo "$want" > "$stamp"
  fi
}
