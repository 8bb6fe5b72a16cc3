#!/usr/bin/env bash
# Native local stack of Kafka Airflow Workbench: PostgreSQL, Kafka (KRaft), Airflow 3, Airflow 2,
# run as plain processes (no Docker). See stack/native/README.md.
#
#   stack.sh up [SERVICE...]     install what is missing, start, wait until healthy
#   stack.sh down [SERVICE...]   stop gracefully (TERM, wait, KILL)
#   stack.sh status              processes and health
#   stack.sh logs [-f] [-n N] [SERVICE|COMPONENT...]
#   stack.sh reset               down + delete runtime state (data, logs), keep the cache
#   stack.sh install [SERVICE...]  only download/install (jars, venvs)
#   stack.sh lock airflow3|airflow2  re-resolve an Airflow venv and rewrite its lock file
#   stack.sh env                 print the connection settings as shell exports
#   stack.sh summary             where each service is, credentials, logs
#   stack.sh airflow3|airflow2 ARGS...  run that Airflow's CLI with the stack's configuration
#   stack.sh exec airflow3|airflow2 PROGRAM ARGS...  run PROGRAM with that Airflow's environment
#                                (its venv first on PATH), e.g. exec airflow3 python FILE.py
#   stack.sh cluster start|stop|kill N   start, stop (controlled) or SIGKILL broker N (1-3) of the cluster
#   stack.sh cluster status|reset|bootstrap  its processes, delete its data, print its bootstrap list
#
# SERVICE: postgres kafka source-api airflow3 airflow2 spark (default: all; KAW_SKIP_AIRFLOW2=1
# leaves out airflow2) and `cluster`, the optional three-broker Kafka cluster (19092-19094):
# started only when named. `spark` runs no process: `up`/`install` download its job jars once;
# a Spark job runs inside a DAG run (product_recalls_spark).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
# shellcheck source=lib/venv.sh
source "$HERE/lib/venv.sh"
# shellcheck source=lib/postgres.sh
source "$HERE/lib/postgres.sh"
# shellcheck source=lib/kafka.sh
source "$HERE/lib/kafka.sh"
# shellcheck source=lib/airflow3.sh
source "$HERE/lib/airflow3.sh"
# shellcheck source=lib/airflow2.sh
source "$HERE/lib/airflow2.sh"
# shellcheck source=lib/cluster.sh
source "$HERE/lib/cluster.sh"
# shellcheck source=lib/source_api.sh
source "$HERE/lib/source_api.sh"
# shellcheck source=lib/spark.sh
source "$HERE/lib/spark.sh"

ALL_SERVICES=(postgres kafka source-api airflow3 airflow2 spark)

# svc_fn SERVICE : the prefix of a service's functions (source-api -> source_api_start ...)
svc_fn() { echo "${1//-/_}"; }

usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}"; }

# resolve_services [up|down] NAME... : validate names, add dependencies, canonical order
resolve_services() {
  local mode=$1
  shift
  local -A want=()
  local s
  if (($# == 0)); then
    for s in "${ALL_SERVICES[@]}"; do want[$s]=1; done
    [[ "${KAW_SKIP_AIRFLOW2:-0}" == 1 && "$mode" == up ]] && unset 'want[airflow2]'
  else
    for s in "$@"; do
      case $s in
        postgres | kafka | source-api | airflow3 | airflow2 | spark) want[$s]=1 ;;
        pg | postgresql) want[postgres]=1 ;;
        *) die "unknown service '$s' (services: ${ALL_SERVICES[*]})" ;;
      esac
    done
  fi
  # Both Airflows keep their metadata in PostgreSQL.
  if [[ "$mode" == up ]] && [[ -n "${want[airflow3]:-}${want[airflow2]:-}" ]]; then want[postgres]=1; fi
  for s in "${ALL_SERVICES[@]}"; do
    [[ -n "${want[$s]:-}" ]] && echo "$s"
  done
  return 0
}

cmd_install() {
  local services s
  mapfile -t services < <(resolve_services up "$@")
  need_base_tools
  for s in "${services[@]}"; do "$(svc_fn "$s")_install"; done
}

cmd_up() {
  local t0=$SECONDS services s
  mapfile -t services < <(resolve_services up "$@")
  take_lock
  need_base_tools
  log "up: ${services[*]} (cache $KAW_CACHE, state $KAW_STATE)"
  for s in "${services[@]}"; do "$(svc_fn "$s")_install"; done
  has() { [[ " ${services[*]} " == *" $1 "* ]]; }
  # PostgreSQL first (the Airflows migrate their databases before they start), then start
  # everything else and wait for all of it, so the slow starts overlap.
  if has postgres; then postgres_start && postgres_wait; fi
  if has kafka; then kafka_start; fi
  if has source-api; then source_api_start; fi
  if has airflow3; then airflow3_start; fi
  if has airflow2; then airflow2_start; fi
  if has kafka; then kafka_wait && kafka_ensure_topics; fi
  if has source-api; then source_api_wait; fi
  if has airflow3; then airflow3_wait; fi
  if has airflow2; then airflow2_wait; fi
  log "up: all requested services healthy in $((SECONDS - t0))s"
  echo
  cmd_summary "${services[@]}"
}

cmd_down() {
  local services s t0=$SECONDS
  mapfile -t services < <(resolve_services down "$@")
  take_lock
  # Airflows and Kafka at once, then the database the Airflows use.
  local stops=()
  for s in "${services[@]}"; do
    [[ "$s" == postgres ]] || stops+=("$(svc_fn "$s")_stop" --)
  done
  ((${#stops[@]} == 0)) || run_parallel "${stops[@]}" || warn "some processes needed SIGKILL or failed to stop"
  if [[ " ${services[*]} " == *" postgres "* ]]; then postgres_stop; fi
  log "down: stopped ${services[*]} in $((SECONDS - t0))s"
}

cmd_reset() {
  local d
  for d in "$KAW_STATE" "$PG_ROOT"; do
    [[ "$d" == /*/* ]] || die "refusing to delete '$d' (KAW_STATE / KAW_PG_ROOT look wrong)"
  done
  cmd_down
  cluster_down_if_running
  log "reset: deleting state $KAW_STATE and PostgreSQL data $PG_ROOT (cache $KAW_CACHE is kept)"
  # Keep the lock file open by this process; delete everything else.
  find "$KAW_STATE" -mindepth 1 -maxdepth 1 ! -name .stack.lock -exec rm -rf {} +
  rm -rf "$PG_ROOT"
}

# Component names (pid/log file names) of a service.
components_of() {
  case $1 in
    postgres | kafka | source-api | spark) echo "$1" ;;
    airflow3) printf 'airflow3-%s\n' "${AIRFLOW3_COMPONENTS[@]}" ;;
    airflow2) printf 'airflow2-%s\n' "${AIRFLOW2_COMPONENTS[@]}" ;;
    cluster) printf 'cluster-%s\n' "${CLUSTER_NODES[@]}" ;;
  esac
}

# tree_pids PID : PID and all its descendants
tree_pids() {
  ps -eo pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      for (p in parent) {
        q = p
        while (q != "" && q != 0 && q != root) q = parent[q]
        if (q == root) print p
      }
    }'
}

# mem_mb PID : memory of PID and its descendants in MiB, as "RSS/PSS" (PSS shares pages fairly
# between forked processes, so it is the better number for Airflow's forked workers)
mem_mb() {
  local p rss=0 pss=0 r s
  for p in $(tree_pids "$1"); do
    read -r r s < <(awk '/^Rss:/ {r = $2} /^Pss:/ {s = $2} END {print r + 0, s + 0}' "/proc/$p/smaps_rollup" 2>/dev/null || echo "0 0")
    rss=$((rss + r))
    pss=$((pss + s))
  done
  echo "$((rss / 1024))/$((pss / 1024))"
}

cmd_status() {
  local s c pid health rc=0
  printf '%-24s %-8s %-9s %-15s %s\n' COMPONENT PID STATE RSS/PSS_MiB HEALTH
  for s in "${ALL_SERVICES[@]}"; do
    case $s in
      postgres) health="$(postgres_healthy && echo healthy || echo unhealthy)" ;;
      kafka) health="$(kafka_healthy && echo healthy || echo unhealthy)" ;;
      airflow3) health="$( (airflow3_version_ok && airflow3_components_healthy) 2>/dev/null && echo healthy || echo unhealthy)" ;;
      airflow2) health="$(airflow2_healthy 2>/dev/null && echo healthy || echo unhealthy)" ;;
      source-api) health="$(source_api_healthy 2>/dev/null && echo healthy || echo unhealthy)" ;;
      spark) spark_status_row || rc=3; continue ;;
    esac
    while read -r c; do
      if pid="$(service_pid "$c")"; then
        printf '%-24s %-8s %-9s %-15s %s\n' "$c" "$pid" running "$(mem_mb "$pid")" "$health"
      else
        printf '%-24s %-8s %-9s %-15s %s\n' "$c" - stopped - -
        rc=3
      fi
    done < <(components_of "$s")
  done
  cluster_status_rows
  echo
  echo "logs: $KAW_LOG_DIR   state: $KAW_STATE   cache: $KAW_CACHE"
  return $rc
}

cmd_logs() {
  local follow=0 lines=100 names=() s files=()
  while (($#)); do
    case $1 in
      -f | --follow) follow=1 ;;
      -n) lines=$2; shift ;;
      *) names+=("$1") ;;
    esac
    shift
  done
  ((${#names[@]})) || names=("${ALL_SERVICES[@]}")
  for s in "${names[@]}"; do
    case $s in
      postgres | kafka | source-api | airflow3 | airflow2 | spark | cluster) while read -r c; do files+=("$(log_file "$c")"); done < <(components_of "$s") ;;
      *) files+=("$(log_file "$s")") ;;
    esac
  done
  local existing=()
  for s in "${files[@]}"; do [[ -f "$s" ]] && existing+=("$s"); done
  ((${#existing[@]})) || die "no log files yet in $KAW_LOG_DIR"
  if ((follow)); then
    exec tail -n "$lines" -F "${existing[@]}"
  else
    tail -n "$lines" "${existing[@]}"
  fi
}

cmd_summary() {
  local s
  echo "Kafka Airflow Workbench native stack:"
  for s in "$@"; do "$(svc_fn "$s")_describe"; done
  echo "logs       $KAW_LOG_DIR/<component>.log   (stack/native/stack.sh logs [-f] SERVICE)"
  echo "state      $KAW_STATE   cache $KAW_CACHE"
  echo "stop       stack/native/stack.sh down     wipe data: stack/native/stack.sh reset"
}

# Connection settings for the product and its tests (eval "$(stack/native/stack.sh env)").
cmd_env() {
  # The DAG folders the running Airflows read (from another checkout if they were started there).
  # Airflow 2's processes rewrite their environment area (setproctitle), so for Airflow 2 this
  # usually falls back to this checkout's folder.
  local af3_dags af2_dags
  af3_dags="$(running_env airflow3-dag-processor AIRFLOW__CORE__DAGS_FOLDER || echo "$KAW_STACK_DIR/dags")"
  af2_dags="$(running_env airflow2-scheduler AIRFLOW__CORE__DAGS_FOLDER || echo "$KAW_NATIVE_DIR/airflow2-dags")"
  cat <<EOF
export KAW_KAFKA_BROKERS=$KAFKA_BOOTSTRAP
export KAW_PG_HOST=$KAW_HOST
export KAW_PG_PORT=$KAW_PG_PORT
export KAW_PG_USER=$KAW_PG_USER
export KAW_PG_PASSWORD=$KAW_PG_PASSWORD
export KAW_PG_DATABASE=$KAW_PG_DB_WORKBENCH
export KAW_PG_URL=postgresql://$KAW_PG_USER:$KAW_PG_PASSWORD@$KAW_HOST:$KAW_PG_PORT/$KAW_PG_DB_WORKBENCH
export KAW_AIRFLOW3_URL=$AIRFLOW3_URL
export KAW_AIRFLOW3_USER=$KAW_AIRFLOW_USER
export KAW_AIRFLOW3_PASSWORD=$KAW_AIRFLOW_PASSWORD
export KAW_AIRFLOW3_DAGS_FOLDER=$af3_dags
export KAW_AIRFLOW2_URL=$AIRFLOW2_URL
export KAW_AIRFLOW2_USER=$KAW_AIRFLOW_USER
export KAW_AIRFLOW2_PASSWORD=$KAW_AIRFLOW_PASSWORD
export KAW_AIRFLOW2_DAGS_FOLDER=$af2_dags
export KAW_WORKSPACE_DAGS=$KAW_WORKSPACE_DAGS
export KAW_WORKSPACE_DAG_SLOTS=$KAW_WORKSPACE_DAG_SLOTS
export KAW_AIRFLOW2_DAGS_DIR=$AIRFLOW2_DAGS_DIR
export KAW_AIRFLOW3_READS_WORKSPACE_DAGS=$(airflow3_reads_workspace_slots && echo 1 || echo 0)
export KAW_AIRFLOW3_VENV=$(airflow3_venv)
export KAW_AIRFLOW2_VENV=$(airflow2_venv)
export KAW_KAFKA_LIBS=$KAFKA_LIBS
export KAW_CLUSTER_BROKERS=$(cluster_bootstrap)
export KAW_SOURCE_API_URL=$SOURCE_API_URL
export KAW_SPARK_JARS_DIR=$SPARK_JARS_DIR
export KAW_SPARK_CHECKPOINT_DIR=$KAW_SPARK_CHECKPOINT_DIR
export KAW_SPARK_LOG=$SPARK_LOG
EOF
}

cmd_lock() {
  (($# == 1)) || die "usage: stack.sh lock airflow3|airflow2"
  local specs
  case $1 in
    airflow3) read -r -a specs <<<"$(airflow3_specs)"; write_lock airflow3 "$AIRFLOW3_VERSION" "$AIRFLOW3_LOCK" "${specs[@]}" ;;
    airflow2) read -r -a specs <<<"$(airflow2_specs)"; write_lock airflow2 "$AIRFLOW2_VERSION" "$AIRFLOW2_LOCK" "${specs[@]}" ;;
    *) die "usage: stack.sh lock airflow3|airflow2" ;;
  esac
}

main() {
  local cmd=${1:-help}
  (($#)) && shift
  case $cmd in
    up) cluster_with_rest cmd_up cluster_up "$@" ;;
    down | stop) if (($#)); then cluster_with_rest cmd_down cluster_down "$@"; else cmd_down && cluster_down_if_running; fi ;;
    cluster) cluster_cmd "$@" ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    reset) cmd_reset ;;
    install) cmd_install "$@" ;;
    lock) cmd_lock "$@" ;;
    env) cmd_env ;;
    summary) cmd_summary "${ALL_SERVICES[@]}" ;;
    airflow3) airflow3_cli "$@" ;;
    airflow2) airflow2_cli "$@" ;;
    exec)
      (($# >= 2)) || die "usage: stack.sh exec airflow3|airflow2 PROGRAM ARGS..."
      case $1 in
        airflow3) shift && airflow3_exec "$@" ;;
        airflow2) shift && airflow2_exec "$@" ;;
        *) die "usage: stack.sh exec airflow3|airflow2 PROGRAM ARGS..." ;;
      esac
      ;;
    help | -h | --help) usage ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
