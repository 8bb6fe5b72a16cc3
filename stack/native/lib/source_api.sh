# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# The local source API (stack/source_api, FastAPI): the outside system the pipeline DAGs read
# from (per-day game-character timelines, ...). Run by uvicorn from the Airflow 3 venv (FastAPI
# and uvicorn come with Airflow 3) on 127.0.0.1:$KAW_SOURCE_API_PORT; no state of its own.

SOURCE_API_URL="http://$KAW_HOST:$KAW_SOURCE_API_PORT"

source_api_install() {
  need_python
  ensure_venv airflow3 "$AIRFLOW3_VERSION" "$AIRFLOW3_LOCK"
}

source_api_start() {
  if is_running source-api; then
    log "source-api already running (pid $(service_pid source-api))"
    return 0
  fi
  ensure_port_free "$KAW_SOURCE_API_PORT" "the source API"
  # --app-dir: stack/ on sys.path, so the app is the package source_api (its routers import
  # each other relatively). One worker: the responses are computed, nothing to wait on.
  start_bg source-api "$(airflow3_venv)/bin/python" -m uvicorn --app-dir "$KAW_STACK_DIR" \
    --host "$KAW_HOST" --port "$KAW_SOURCE_API_PORT" --workers 1 --no-server-header source_api.app:app
}

source_api_healthy() {
  http_get "$SOURCE_API_URL/health" | json_get status | grep -qx ok
}

source_api_wait() {
  wait_until "source-api" "${KAW_SOURCE_API_TIMEOUT:-60}" "$(log_file source-api)" source-api source_api_healthy
}

source_api_stop() {
  stop_bg source-api TERM 15 group
}

source_api_describe() {
  echo "source-api $SOURCE_API_URL  (local source API: GET /health, /timelines?date=YYYY-MM-DD&page=&page_size=, /docs; app $KAW_STACK_DIR/source_api)"
}
