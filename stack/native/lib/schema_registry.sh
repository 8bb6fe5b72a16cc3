# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# The local schema registry (stack/schema_registry): the Confluent Schema Registry REST API on
# 127.0.0.1:$KAW_SCHEMA_REGISTRY_PORT, a FastAPI app run by uvicorn from the Airflow 3 venv,
# schemas in PostgreSQL (database workbench, schema schema_registry). A development tool:
# no authentication, no clustering. protoc (Debian's protobuf-compiler) compiles .proto schemas.

SCHEMA_REGISTRY_URL="http://$KAW_HOST:$KAW_SCHEMA_REGISTRY_PORT"

schema_registry_install() {
  airflow3_install
  need_cmd_or_apt protoc protobuf-compiler
}

schema_registry_start() {
  if is_running schema-registry; then
    log "schema-registry already running (pid $(service_pid schema-registry))"
    return 0
  fi
  ensure_port_free "$KAW_SCHEMA_REGISTRY_PORT" "the local schema registry"
  local venv
  venv="$(airflow3_venv)"
  [[ -x "$venv/bin/python" ]] || die "the Airflow 3 venv is missing ($venv): run \`stack/native/stack.sh install schema-registry\`"
  KAW_SCHEMA_REGISTRY_DATABASE_URL="postgresql://$KAW_PG_USER:$KAW_PG_PASSWORD@$KAW_HOST:$KAW_PG_PORT/$KAW_PG_DB_WORKBENCH" \
    start_bg schema-registry "$venv/bin/python" -m uvicorn schema_registry.app:app \
    --app-dir "$KAW_STACK_DIR" --host "$KAW_HOST" --port "$KAW_SCHEMA_REGISTRY_PORT" \
    --workers 1 --timeout-graceful-shutdown 5
}

# /health answers 200 once the app has created its tables and reached PostgreSQL.
schema_registry_healthy() {
  http_get "$SCHEMA_REGISTRY_URL/health" | json_get development_tool | grep -q True
}

schema_registry_wait() {
  wait_until "schema-registry" "${KAW_SCHEMA_REGISTRY_TIMEOUT:-60}" "$(log_file schema-registry)" schema-registry schema_registry_healthy
}

schema_registry_stop() {
  stop_bg schema-registry TERM 15 group
}

schema_registry_describe() {
  echo "schema-registry $SCHEMA_REGISTRY_URL  (Confluent Schema Registry REST API, local development registry; schemas in PostgreSQL $KAW_PG_DB_WORKBENCH, schema schema_registry)"
}
