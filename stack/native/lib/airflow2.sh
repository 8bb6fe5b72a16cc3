# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# Apache Airflow 2: webserver (:8081, REST API /api/v1 with basic auth) and scheduler
# (LocalExecutor). Metadata in PostgreSQL database airflow2; DAGs from $KAW_STATE/airflow2-dags,
# which links to stack/native/airflow2-dags and to the workspace DAG slots. Own AIRFLOW_HOME, pid
# files and log-server ports, so it runs beside Airflow 3.

AIRFLOW2_LOCK="$KAW_NATIVE_DIR/requirements-airflow2.lock.txt"
AIRFLOW2_HOME="$KAW_STATE/airflow2"
AIRFLOW2_URL="http://$KAW_HOST:$KAW_AIRFLOW2_PORT"
AIRFLOW2_COMPONENTS=(webserver scheduler)
# Airflow 2 reads one DAG folder: this one holds links to the bundled DAGs (stack ->
# stack/native/airflow2-dags) and to each workspace slot (workspace-N -> $KAW_WORKSPACE_DAGS/N,
# dangling while the slot is free). Its scheduler follows symlinks when it lists the folder.
AIRFLOW2_DAGS_DIR="$KAW_STATE/airflow2-dags"

airflow2_venv() { venv_dir airflow2 "$AIRFLOW2_VERSION"; }

airflow2_specs() {
  echo "apache-airflow==$AIRFLOW2_VERSION" \
    "apache-airflow-providers-postgres==$AIRFLOW2_PROVIDER_POSTGRES_VERSION" \
    "apache-airflow-providers-apache-kafka==$AIRFLOW2_PROVIDER_APACHE_KAFKA_VERSION" \
    "apache-airflow-providers-apache-spark==$AIRFLOW2_PROVIDER_APACHE_SPARK_VERSION" \
    "apache-airflow-providers-amazon==$AIRFLOW2_PROVIDER_AMAZON_VERSION" \
    pyarrow \
    psycopg2-binary
}

airflow2_install() {
  need_python
  ensure_venv airflow2 "$AIRFLOW2_VERSION" "$AIRFLOW2_LOCK"
}

airflow2_secrets() {
  mkdir -p "$AIRFLOW2_HOME"
  local f="$AIRFLOW2_HOME/secrets.env"
  if [[ ! -s "$f" ]]; then
    {
      echo "KAW_AF2_SECRET_KEY=$(random_secret 32)"
      echo "KAW_AF2_FERNET_KEY=$(random_secret 32)"
    } >"$f.tmp"
    chmod 600 "$f.tmp"
    mv "$f.tmp" "$f"
  fi
  # shellcheck disable=SC1090
  source "$f"
}

# The links of AIRFLOW2_DAGS_DIR (made again on every start: the checkout may have moved).
airflow2_dags_links() {
  local i
  mkdir -p "$AIRFLOW2_DAGS_DIR" "$KAW_WORKSPACE_DAGS"
  ln -sfn "$KAW_NATIVE_DIR/airflow2-dags" "$AIRFLOW2_DAGS_DIR/stack"
  for ((i = 1; i <= KAW_WORKSPACE_DAG_SLOTS; i++)); do
    ln -sfn "$KAW_WORKSPACE_DAGS/$i" "$AIRFLOW2_DAGS_DIR/workspace-$i"
  done
}

airflow2_need_venv() {
  [[ -x "$(airflow2_venv)/bin/airflow" ]] ||
    die "the Airflow 2 venv is not installed ($(airflow2_venv)/bin/airflow is missing): run \`stack/native/stack.sh install airflow2\` or Launch Stack"
}

airflow2_env() {
  airflow2_secrets
  export AIRFLOW_HOME="$AIRFLOW2_HOME"
  export AIRFLOW__CORE__DAGS_FOLDER="$AIRFLOW2_DAGS_DIR"
  # Only this folder is on sys.path (Airflow 2 adds it), not each workspace folder: a workspace
  # DAG that imports a module beside it parses on Airflow 3 (where its folder is the bundle's
  # root), not here. A PYTHONPATH entry would come before the standard library and let a file
  # such as email.py in the workspace shadow it.
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://$KAW_PG_AIRFLOW2_USER:$KAW_PG_AIRFLOW2_PASSWORD@$KAW_HOST:$KAW_PG_PORT/$KAW_PG_DB_AIRFLOW2"
  export AIRFLOW__DATABASE__SQL_ALCHEMY_POOL_SIZE=3
  export AIRFLOW__DATABASE__SQL_ALCHEMY_MAX_OVERFLOW=5
  export AIRFLOW__CORE__EXECUTOR=LocalExecutor
  export AIRFLOW__CORE__PARALLELISM=2          # Airflow 2's LocalExecutor forks this many workers up front
  export AIRFLOW__CORE__LOAD_EXAMPLES=False
  export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
  export AIRFLOW__CORE__FERNET_KEY="$KAW_AF2_FERNET_KEY"
  # REST API: basic auth (curl -u admin:admin) and the UI session.
  export AIRFLOW__API__AUTH_BACKENDS=airflow.api.auth.backend.basic_auth,airflow.api.auth.backend.session
  export AIRFLOW__WEBSERVER__SECRET_KEY="$KAW_AF2_SECRET_KEY"
  export AIRFLOW__WEBSERVER__WEB_SERVER_HOST="$KAW_HOST"
  export AIRFLOW__WEBSERVER__WEB_SERVER_PORT="$KAW_AIRFLOW2_PORT"
  export AIRFLOW__WEBSERVER__BASE_URL="$AIRFLOW2_URL"
  export AIRFLOW__WEBSERVER__WORKERS=1
  export AIRFLOW__WEBSERVER__WORKER_REFRESH_INTERVAL=0  # no periodic gunicorn worker rolls
  export AIRFLOW__WEBSERVER__WARN_DEPLOYMENT_EXPOSURE=False
  # As for Airflow 3: a saved file is parsed next (it is newer than its last parse), a new one
  # is found within 5 s, unchanged files are re-parsed every 60 s.
  export AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL=5
  export AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL=60
  export AIRFLOW__SCHEDULER__FILE_PARSING_SORT_MODE=modified_time
  export AIRFLOW__SCHEDULER__PARSING_PROCESSES=1
  export AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK=False
  export AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACK_DEPTH=10  # as for Airflow 3: the DAG file's frame stays
  export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="$KAW_AIRFLOW2_WORKER_LOG_PORT"
  export AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT="$KAW_AIRFLOW2_TRIGGER_LOG_PORT"
  daily_pipeline_airflow_env
  spark_airflow_env airflow2  # the Spark DAGs' jars, checkpoints, log and connection spark_local (lib/spark.sh)
  PATH="$(airflow2_venv)/bin:$PATH"
  export PATH
}

airflow2_cli() { (airflow2_need_venv && airflow2_env && "$(airflow2_venv)/bin/airflow" "$@"); }

airflow2_exec() { airflow2_need_venv && airflow2_env && exec "$@"; }

# Same idea as airflow3_migrate: migrate only when the DB is not at the revision we left it.
airflow2_migrate() {
  local marker="$AIRFLOW2_HOME/.migrated-$AIRFLOW2_VERSION" current
  current="$(workbench_psql "$KAW_PG_DB_AIRFLOW2" -tAc 'SELECT version_num FROM alembic_version' 2>/dev/null || true)"
  if [[ -z "$current" || "$(cat "$marker" 2>/dev/null)" != "$current" ]]; then
    local t0=$SECONDS mlog="$KAW_LOG_DIR/airflow2-migrate.log"
    log "airflow2: airflow db migrate (log: $mlog)"
    airflow2_cli db migrate >"$mlog" 2>&1 || { tail -n 30 "$mlog" >&2; die "airflow2 db migrate failed; see $mlog"; }
    workbench_psql "$KAW_PG_DB_AIRFLOW2" -tAc 'SELECT version_num FROM alembic_version' >"$marker"
    log "airflow2: database migrated in $((SECONDS - t0))s"
  fi
  # Admin user (FAB), created once; the check is a cheap SQL query instead of an airflow CLI run.
  if [[ "$(workbench_psql "$KAW_PG_DB_AIRFLOW2" -tAc "SELECT count(*) FROM ab_user WHERE username = '$KAW_AIRFLOW_USER'" 2>/dev/null)" != 1 ]]; then
    log "airflow2: creating user $KAW_AIRFLOW_USER"
    airflow2_cli users create --username "$KAW_AIRFLOW_USER" --password "$KAW_AIRFLOW_PASSWORD" \
      --role Admin --firstname Workbench --lastname Admin --email admin@example.invalid \
      >>"$KAW_LOG_DIR/airflow2-migrate.log" 2>&1 || die "airflow2 users create failed; see $KAW_LOG_DIR/airflow2-migrate.log"
  fi
}

airflow2_start() {
  mkdir -p "$AIRFLOW2_HOME"
  # A running Airflow 2 keeps the DAG links it was started with, as a running Airflow 3 keeps
  # its DAG folder: an `up` from another copy of stack/ (the extension's Launch Stack runs the
  # one inside the installed extension) must not point them into a folder that may vanish.
  local linked
  linked="$(readlink "$AIRFLOW2_DAGS_DIR/stack" 2>/dev/null || true)"
  if is_running airflow2-scheduler && [[ -e "$AIRFLOW2_DAGS_DIR/stack" ]]; then
    if [[ "$linked" != "$KAW_NATIVE_DIR/airflow2-dags" ]]; then
      log "note: the running Airflow 2 reads DAGs from $linked (started from another checkout); 'stack.sh down airflow2' then 'up' switches it to $KAW_NATIVE_DIR/airflow2-dags"
    fi
  else
    airflow2_dags_links
  fi
  airflow2_migrate
  airflow2_start_components
}

# Starts the webserver and the scheduler when not running (airflow2_wait starts one again that exits).
airflow2_start_components() {
  if is_running airflow2-webserver; then
    log "airflow2-webserver already running (pid $(service_pid airflow2-webserver))"
  else
    ensure_port_free "$KAW_AIRFLOW2_PORT" "the Airflow 2 webserver"
    rm -f "$AIRFLOW2_HOME/airflow-webserver.pid" # stale gunicorn pid file would block the start
    (airflow2_env && start_bg airflow2-webserver airflow webserver --hostname "$KAW_HOST" --port "$KAW_AIRFLOW2_PORT" --workers 1)
  fi
  if is_running airflow2-scheduler; then
    log "airflow2-scheduler already running (pid $(service_pid airflow2-scheduler))"
  else
    ensure_port_free "$KAW_AIRFLOW2_WORKER_LOG_PORT" "the Airflow 2 scheduler's log server"
    rm -f "$AIRFLOW2_HOME/airflow-scheduler.pid"
    (airflow2_env && start_bg airflow2-scheduler airflow scheduler)
  fi
}

# /api/v1/health: metadatabase and scheduler "healthy".
airflow2_healthy() {
  http_get "$AIRFLOW2_URL/api/v1/health" | "${KAW_SYS_PYTHON:-python3}" -c '
import json, sys
h = json.load(sys.stdin)
sys.exit(0 if h["metadatabase"]["status"] == "healthy" and h["scheduler"]["status"] == "healthy" else 1)'
}

airflow2_api_ok() {
  http_get "$AIRFLOW2_URL/api/v1/dags?limit=1" -u "$KAW_AIRFLOW_USER:$KAW_AIRFLOW_PASSWORD" >/dev/null
}

airflow2_wait() {
  local pids="airflow2-webserver,airflow2-scheduler"
  WAIT_RESTART=airflow2_start_components wait_until "airflow2 webserver+scheduler" "${KAW_AIRFLOW_TIMEOUT:-300}" "$(log_file airflow2-webserver)" "$pids" airflow2_healthy
  WAIT_RESTART=airflow2_start_components wait_until "airflow2 REST API (basic auth)" 60 "$(log_file airflow2-webserver)" "$pids" airflow2_api_ok
}

airflow2_stop() {
  run_parallel stop_bg airflow2-scheduler TERM 30 group -- stop_bg airflow2-webserver TERM 30 group
}

airflow2_describe() {
  echo "airflow2   $AIRFLOW2_URL  (UI + REST /api/v1, basic auth $KAW_AIRFLOW_USER/$KAW_AIRFLOW_PASSWORD; Airflow $AIRFLOW2_VERSION; DAGs $AIRFLOW2_DAGS_DIR (links to $KAW_NATIVE_DIR/airflow2-dags and the workspace slots); home $AIRFLOW2_HOME)"
}
