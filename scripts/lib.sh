# Shared helpers for the project's scripts: where caches and state live, logging, and
# installing the project's npm dependencies only when package-lock.json changed.
# Source it; it defines functions and variables only.

KAW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KAW_CACHE="${KAW_CACHE:-$HOME/.cache/kafka-airflow-workbench}"
export KAW_STATE="${KAW_STATE:-$KAW_CACHE/state}"

kaw_say() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
kaw_die() { printf '\033[1;31mError:\033[0m %s\n' "$*" >&2; exit 1; }

# Installs node_modules with `npm ci` when they are missing or older than package-lock.json.
kaw_npm_install() {
  command -v node >/dev/null || kaw_die "Node.js 20 or newer is needed: install it (e.g. apt-get install nodejs npm) and run again."
  local stamp="$KAW_ROOT/node_modules/.kaw-lock-hash" want
  want="$(sha256sum "$KAW_ROOT/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  kaw_say "Installing npm dependencies (npm ci)"
  (cd "$KAW_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
}
