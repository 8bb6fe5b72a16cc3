# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# Shared settings and helpers of the native local stack. Sourced by stack.sh and check.sh;
# nothing here starts a service by itself.

# ---------------------------------------------------------------------------------------------
# Paths and pinned versions
# ---------------------------------------------------------------------------------------------

KAW_NATIVE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # stack/native
KAW_STACK_DIR="$(dirname "$KAW_NATIVE_DIR")"                          # stack
KAW_REPO_DIR="$(dirname "$KAW_STACK_DIR")"                            # repository root

# Pinned versions (KAFKA_VERSION, AIRFLOW3_VERSION, ...), shared with the Compose file.
# shellcheck source=../../versions.env
source "$KAW_STACK_DIR/versions.env"

: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"
# Downloads and installs (jars, venvs): outside the clone, reused by every clone.
KAW_CACHE="${KAW_CACHE:-$HOME/.cache/kafka-airflow-workbench}"
# Runtime state (data dirs, logs, pid files). `stack.sh reset` deletes it.
KAW_STATE="${KAW_STATE:-$KAW_CACHE/state}"
KAW_LOG_DIR="$KAW_STATE/logs"
KAW_PID_DIR="$KAW_STATE/pids"
# Workspace DAG folders (the editor's kafkaAirflow.stack.dagFolders): slot N is a symlink
# $KAW_WORKSPACE_DAGS/N that the extension points at a workspace folder (or removes). Airflow 3
# reads slot N as the DAG bundle workspace-N, Airflow 2 through a link in its own DAG folder;
# the slots are configured once, so pointing one elsewhere needs no restart.
KAW_WORKSPACE_DAGS="$KAW_STATE/workspace-dags"
KAW_WORKSPACE_DAG_SLOTS=4

# Ports (all services listen on 127.0.0.1 only).
KAW_PG_PORT="${KAW_PG_PORT:-5432}"
KAW_KAFKA_PORT="${KAW_KAFKA_PORT:-9092}"
KAW_KAFKA_CONTROLLER_PORT="${KAW_KAFKA_CONTROLLER_PORT:-9093}"
KAW_AIRFLOW3_PORT="${KAW_AIRFLOW3_PORT:-8080}"
KAW_AIRFLOW2_PORT="${KAW_AIRFLOW2_PORT:-8081}"
# The local schema registry (Confluent's default 8081 is Airflow 2 here).
KAW_SCHEMA_REGISTRY_PORT="${KAW_SCHEMA_REGISTRY_PORT:-8085}"
# Log-server ports of the Airflow schedulers/triggerers, distinct so both Airflows can run.
KAW_AIRFLOW3_WORKER_LOG_PORT="${KAW_AIRFLOW3_WORKER_LOG_PORT:-8793}"
KAW_AIRFLOW3_TRIGGER_LOG_PORT="${KAW_AIRFLOW3_TRIGGER_LOG_PORT:-8794}"
KAW_AIRFLOW2_WORKER_LOG_PORT="${KAW_AIRFLOW2_WORKER_LOG_PORT:-8795}"
KAW_AIRFLOW2_TRIGGER_LOG_PORT="${KAW_AIRFLOW2_TRIGGER_LOG_PORT:-8796}"
# Services of the daily pipeline: the local source API, the S3 object store (SeaweedFS: master,
# volume and filer besides S3; each also listens on its port + 10000 for gRPC) and the mail catcher.
KAW_SOURCE_API_PORT="${KAW_SOURCE_API_PORT:-8090}"
KAW_S3_PORT="${KAW_S3_PORT:-8333}"
KAW_SEAWEED_MASTER_PORT="${KAW_SEAWEED_MASTER_PORT:-9333}"
KAW_SEAWEED_VOLUME_PORT="${KAW_SEAWEED_VOLUME_PORT:-8383}"
KAW_SEAWEED_FILER_PORT="${KAW_SEAWEED_FILER_PORT:-8888}"
KAW_SMTP_PORT="${KAW_SMTP_PORT:-1025}"
KAW_MAIL_HTTP_PORT="${KAW_MAIL_HTTP_PORT:-8025}"

# Fixed development credentials (documented in README.md; never use them anywhere else).
KAW_PG_USER=workbench
KAW_PG_PASSWORD=workbench
KAW_PG_DB_WORKBENCH=workbench
KAW_PG_DB_AIRFLOW3="${KAW_PG_DB_AIRFLOW3:-airflow3}"
KAW_PG_DB_AIRFLOW2="${KAW_PG_DB_AIRFLOW2:-airflow2}"
# Airflow 2 masks its metadata-database password in every task log and has no minimum length
# for that (Airflow 3 has min_length_masked_secret). Signing in as "workbench" would turn every
# "workbench" in its logs into ***, so it signs in as its own role, which acts as workbench.
KAW_PG_AIRFLOW2_USER=kaw_airflow2_metadata
KAW_PG_AIRFLOW2_PASSWORD=kaw-af2-metadata-dev
KAW_AIRFLOW_USER="admin"
KAW_AIRFLOW_PASSWORD="admin"
# The object store's S3 key pair (also the Airflow connection workbench_s3) and its bucket.
KAW_S3_ACCESS_KEY=workbench
KAW_S3_SECRET_KEY=workbench-s3-dev-secret
KAW_S3_BUCKET=workbench

KAW_HOST=127.0.0.1

# daily_pipeline_airflow_env : what the daily pipeline's DAGs need in either Airflow's environment
# (called by airflow3_env and airflow2_env): the source API's address and the connections
# workbench_s3 (the object store: path-style S3 with the stack's key pair, quick failure when it
# is down so the task's retry takes over) and workbench_smtp (the mail catcher: no TLS, no login).
daily_pipeline_airflow_env() {
  export KAW_SOURCE_API_URL="http://$KAW_HOST:$KAW_SOURCE_API_PORT"
  export AIRFLOW_CONN_WORKBENCH_S3="{\"conn_type\": \"aws\", \"login\": \"$KAW_S3_ACCESS_KEY\", \"password\": \"$KAW_S3_SECRET_KEY\", \"extra\": {\"endpoint_url\": \"http://$KAW_HOST:$KAW_S3_PORT\", \"region_name\": \"us-east-1\", \"config_kwargs\": {\"s3\": {\"addressing_style\": \"path\"}, \"connect_timeout\": 5, \"read_timeout\": 30, \"retries\": {\"max_attempts\": 2, \"mode\": \"standard\"}}}}"
  export AIRFLOW_CONN_WORKBENCH_SMTP="{\"conn_type\": \"smtp\", \"host\": \"$KAW_HOST\", \"port\": $KAW_SMTP_PORT, \"extra\": {\"disable_ssl\": true, \"disable_tls\": true, \"from_email\": \"airflow@workbench.localhost\", \"timeout\": 10, \"retry_limit\": 1}}"
}

# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

log()  { printf '[stack %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { printf '[stack %s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[stack %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

is_root() { [[ "$(id -u)" -eq 0 ]]; }

ensure_dirs() { mkdir -p "$KAW_CACHE" "$KAW_STATE" "$KAW_LOG_DIR" "$KAW_PID_DIR" "$KAW_WORKSPACE_DAGS"; }

# Serialise stack.sh runs that change things (up/down/reset) so two of them never race.
take_lock() {
  ensure_dirs
  exec 9>"$KAW_STATE/.stack.lock"
  if ! flock -w 900 9; then
    die "another stack.sh is still running (lock $KAW_STATE/.stack.lock)"
  fi
}

# ---------------------------------------------------------------------------------------------
# Prerequisites: install what is missing with apt when root, otherwise name the fix.
# ---------------------------------------------------------------------------------------------

# apt_install PKG... : install Debian packages (only as root; waits for a running apt/dpkg).
apt_install() {
  is_root || return 1
  command -v apt-get >/dev/null 2>&1 || return 1
  ensure_dirs
  log "installing Debian packages: $* (log: $KAW_LOG_DIR/apt.log)"
  local apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  {
    # A fresh machine may have no package lists yet: `apt-get update` once per stack.sh run.
    if [[ -z "${KAW_APT_UPDATED:-}" ]]; then
      DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update -qq && KAW_APT_UPDATED=1
    fi &&
      DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "$@"
  } >>"$KAW_LOG_DIR/apt.log" 2>&1 || {
    warn "apt-get install $* failed; see $KAW_LOG_DIR/apt.log"
    return 1
  }
}

need_cmd_or_apt() { # need_cmd_or_apt CMD PACKAGE : make CMD available (apt when root)
  local cmd=$1 pkg=$2
  command -v "$cmd" >/dev/null 2>&1 && return 0
  apt_install "$pkg" && command -v "$cmd" >/dev/null 2>&1 && return 0
  die "$cmd not found: run \`sudo apt-get install $pkg\`"
}

need_base_tools() {
  need_cmd_or_apt curl curl
  need_cmd_or_apt setsid util-linux
  need_cmd_or_apt flock util-linux
}

# Java 17+ (Kafka 4 brokers need 17).
need_java() {
  command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless ||
    die "java not found: run \`sudo apt-get install openjdk-17-jre-headless\` (Kafka $KAFKA_VERSION needs Java 17+)"
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1)"
  [[ "${major%%.*}" =~ ^[0-9]+$ && "${major%%.*}" -ge 17 ]] ||
    die "java $major found, Kafka $KAFKA_VERSION needs Java 17+: run \`sudo apt-get install openjdk-17-jre-headless\`"
}

need_mvn() {
  command -v mvn >/dev/null 2>&1 || apt_install maven ||
    die "mvn not found (needed once to download the Kafka jars): run \`sudo apt-get install maven\`"
}

# Python 3.10-3.12 with venv (Airflow 2.11 supports 3.9-3.12, Airflow 3.3 3.10-3.14).
KAW_PYTHON="${KAW_PYTHON:-python3}"
need_python() {
  command -v "$KAW_PYTHON" >/dev/null 2>&1 ||
    die "$KAW_PYTHON not found: run \`sudo apt-get install python3 python3-venv\` (or set KAW_PYTHON)"
  "$KAW_PYTHON" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)' ||
    die "$KAW_PYTHON is $("$KAW_PYTHON" -V 2>&1); need Python 3.10-3.12: set KAW_PYTHON=/path/to/python3.11"
  "$KAW_PYTHON" -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv ||
    die "the Python venv module is missing: run \`sudo apt-get install python3-venv\`"
}

python_minor() { "$KAW_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }

# ---------------------------------------------------------------------------------------------
# Background processes: pid files hold "PID STARTTIME" so a stale file never matches a new,
# unrelated process that got the same PID (e.g. after a reboot).
# ---------------------------------------------------------------------------------------------

pid_file() { echo "$KAW_PID_DIR/$1.pid"; }
log_file() { echo "$KAW_LOG_DIR/$1.log"; }

proc_starttime() { # field 22 of /proc/PID/stat (clock ticks since boot)
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }" # drop "pid (comm) ", comm may contain spaces
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20}"
}

# service_pid NAME : print the PID if NAME's process is alive, else fail (and drop a stale file)
service_pid() {
  local f pid start
  f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 1
  read -r pid start <"$f" || true
  if [[ -n "${pid:-}" ]] && [[ "$(proc_starttime "$pid" 2>/dev/null)" == "${start:-}" ]]; then
    echo "$pid"
    return 0
  fi
  rm -f "$f"
  return 1
}

is_running() { service_pid "$1" >/dev/null; }

# running_env NAME VAR : print VAR from the environment of NAME's running process, else fail.
# (A stack started from another checkout keeps that checkout's DAG folders until restarted.)
running_env() {
  local pid
  pid="$(service_pid "$1")" || return 1
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | sed -n "s/^$2=//p" | head -n 1 | grep . || return 1
}

# start_bg NAME CMD... : run CMD in the background in its own session/process group,
# stdout+stderr appended to logs/NAME.log, PID in pids/NAME.pid.
start_bg() {
  local name=$1
  shift
  local log
  log="$(log_file "$name")"
  # Keep logs bounded: a log over 50 MiB moves to NAME.log.1 (replacing the older one) on start.
  if [[ -f "$log" ]] && (($(stat -c %s "$log") > 50 * 1024 * 1024)); then mv -f "$log" "$log.1"; fi
  printf '\n===== %s stack.sh starting %s: %s\n' "$(date -Is)" "$name" "$*" >>"$log"
  # setsid execs (no fork) because a background job of a script is not a group leader,
  # so $! is the service's own PID and also its process-group id.
  # The service inherits no descriptor above 2: not the stack.sh lock (fd 9), the cluster's lock
  # (fd 8, lib/cluster.sh) or a lock of whatever ran stack.sh (`flock FILE stack.sh up`), or it
  # would hold that lock for as long as it runs. (Bash's own script descriptor, 255, is
  # close-on-exec.)
  (
    for fd in $(ls "/proc/$BASHPID/fd"); do
      if ((fd > 2 && fd != 255)); then eval "exec $fd>&-"; fi
    done
    exec setsid "$@" >>"$log" 2>&1 </dev/null
  ) &
  local pid=$!
  local start=""
  for _ in 1 2 3 4 5; do
    start="$(proc_starttime "$pid" 2>/dev/null)" && break
    sleep 0.1
  done
  [[ -n "$start" ]] || die "$name exited immediately; see $log"
  echo "$pid $start" >"$(pid_file "$name")"
  log "started $name (pid $pid, log $log)"
}

group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# stop_bg NAME [SIGNAL] [TIMEOUT] [group|leader]
# Graceful stop: SIGNAL (default TERM) to the process group (or only the leader), wait up to
# TIMEOUT seconds, then TERM any leftovers of the group, and finally KILL.
stop_bg() {
  local name=$1 sig=${2:-TERM} timeout=${3:-30} scope=${4:-group}
  local pid
  if ! pid="$(service_pid "$name")"; then
    rm -f "$(pid_file "$name")"
    return 0
  fi
  log "stopping $name (pid $pid, SIG$sig)"
  if [[ "$scope" == group ]]; then
    kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null || true
  else
    kill "-$sig" "$pid" 2>/dev/null || true
  fi
  local waited=0
  while kill -0 "$pid" 2>/dev/null && ((waited < timeout * 5)); do
    sleep 0.2
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name did not stop within ${timeout}s: sending KILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  # Children left in the group (task runners, gunicorn workers...): TERM, short wait, KILL.
  if group_alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    waited=0
    while group_alive "$pid" && ((waited < 50)); do
      sleep 0.2
      waited=$((waited + 1))
    done
    if group_alive "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
  fi
  rm -f "$(pid_file "$name")"
}

# run_parallel CMD1 -- CMD2 -- ... : run the commands at once, wait for all; fails if any failed
# (stopping the 8 processes one by one takes a minute, most of it Python shutting down)
run_parallel() {
  local -a rp_pids=() rp_cmd=()
  local rp_rc=0 rp_pid
  while (($#)); do
    if [[ "$1" == -- ]]; then
      if ((${#rp_cmd[@]})); then "${rp_cmd[@]}" & rp_pids+=($!); fi
      rp_cmd=()
    else
      rp_cmd+=("$1")
    fi
    shift
  done
  if ((${#rp_cmd[@]})); then "${rp_cmd[@]}" & rp_pids+=($!); fi
  for rp_pid in "${rp_pids[@]}"; do wait "$rp_pid" || rp_rc=1; done
  return $rp_rc
}

# ---------------------------------------------------------------------------------------------
# Ports and health waits
# ---------------------------------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/$KAW_HOST/$1") 2>/dev/null; }

# ensure_port_free PORT WHAT : fail clearly when another program already listens on PORT
ensure_port_free() {
  local port=$1 what=$2
  if port_open "$port"; then
    local who=""
    command -v ss >/dev/null 2>&1 && who="$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n1)"
    die "port $port (for $what) is already in use by another program${who:+: $who}. Stop it or choose another port (see stack/native/README.md)."
  fi
}

# wait_until WHAT TIMEOUT LOG PIDNAMES CHECK... : run CHECK until it succeeds, at most TIMEOUT
# seconds. Fails early (with the log tail) when one of the processes in PIDNAMES (comma list) dies.
# With WAIT_RESTART=FUNCTION (a start function that starts only what is not running), a process
# that dies is started again once first: a component that was counted as running while it shut
# down (Airflow's, after PostgreSQL went away) exits under `up`, and `up` means running.
wait_until() {
  local what=$1 timeout=$2 logf=$3 pids=$4
  shift 4
  local start=$SECONDS name restarted=""
  while true; do
    if "$@" >/dev/null 2>&1; then
      log "$what is healthy after $((SECONDS - start))s"
      return 0
    fi
    if [[ -n "$pids" ]]; then
      for name in ${pids//,/ }; do
        if ! is_running "$name"; then
          tail -n 30 "$(log_file "$name")" >&2 || true
          if [[ -n "${WAIT_RESTART:-}" && -z "$restarted" ]]; then
            restarted=$name
            warn "$name exited while waiting for $what (its log's last lines above); starting it again once"
            "$WAIT_RESTART"
            break
          fi
          die "$name exited${restarted:+ (after $restarted was started again)} while waiting for $what; see $(log_file "$name")"
        fi
      done
    fi
    if ((SECONDS - start >= timeout)); then
      tail -n 30 "$logf" >&2 || true
      die "$what did not become healthy within ${timeout}s; see $logf"
    fi
    sleep 1
  done
}

# http_get URL [curl args...] : body of a successful GET (fails on HTTP errors)
http_get() {
  local url=$1
  shift
  curl -fsS --max-time 5 "$@" "$url"
}

# json_get FIELD.PATH : read JSON from stdin and print one field (dots walk into objects)
json_get() {
  "${KAW_SYS_PYTHON:-python3}" -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$1"
}

# random_secret BYTES : url-safe base64 random string
random_secret() {
  "${KAW_SYS_PYTHON:-python3}" -c 'import base64, os, sys; print(base64.urlsafe_b64encode(os.urandom(int(sys.argv[1]))).decode())' "$1"
}
