#!/usr/bin/env bash
# Hand check of the running native stack (also run by tests): one line per check, exit 1 if any
# check fails.
#
#   check.sh            Kafka produce+consume (kcat), Airflow 3 /api/v2/version, Airflow 2
#                       /api/v1/health, psql as workbench into the workbench database, one day of
#                       the source API, S3 put+get+delete in the object store's bucket, Mailpit's
#                       message API
#   check.sh --dag-run  also trigger the smoke DAGs (workbench_smoke on Airflow 3,
#                       workbench_smoke_v2 on Airflow 2) and wait for state success
#
# KAW_SKIP_AIRFLOW2=1 skips the Airflow 2 checks.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
source "$HERE/lib/venv.sh"
source "$HERE/lib/postgres.sh"
source "$HERE/lib/kafka.sh"
source "$HERE/lib/airflow3.sh"
source "$HERE/lib/airflow2.sh"
source "$HERE/lib/schema_registry.sh"
source "$HERE/lib/source_api.sh"
source "$HERE/lib/object_store.sh"
source "$HERE/lib/mail.sh"
source "$HERE/lib/spark.sh"

DAG_RUN=0
for arg in "$@"; do
  case $arg in
    --dag-run) DAG_RUN=1 ;;
    -h | --help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown option $arg" ;;
  esac
done

PASSED=0
FAILED=0
# check NAME CMD... : run CMD (its stdout is the detail shown), print PASS/FAIL with the time
check() {
  local name=$1
  shift
  local t0 out rc=0
  t0=$(date +%s.%N)
  out="$("$@" 2>&1)" || rc=$?
  local dt
  dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  out="$(tr '\n' ' ' <<<"$out" | cut -c1-300)"
  if ((rc == 0)); then
    PASSED=$((PASSED + 1))
    printf 'PASS  %-34s %5ss  %s\n' "$name" "$dt" "$out"
  else
    FAILED=$((FAILED + 1))
    printf 'FAIL  %-34s %5ss  %s\n' "$name" "$dt" "$out"
  fi
}

# Kafka: produce one message (with a key) to the one-partition topic kaw-check (made on first
# use, the same topic every time so checks leave no topics behind), read the newest message
# back, compare.
check_kafka() {
  command -v kcat >/dev/null || { echo "kcat not installed (sudo apt-get install kcat)"; return 1; }
  local topic=kaw-check msg got
  msg="hello from check.sh $(date +%s)-$RANDOM"
  printf '%s\n' "$msg" | timeout 30 kcat -q -b "$KAFKA_BOOTSTRAP" -P -t "$topic" -p 0 -k check -X message.timeout.ms=20000 ||
    { echo "produce to $topic failed"; return 1; }
  got="$(timeout 30 kcat -q -b "$KAFKA_BOOTSTRAP" -C -t "$topic" -p 0 -o -1 -c 1 -e -f '%k=%s\n')" ||
    { echo "consume from $topic failed"; return 1; }
  [[ "$got" == "check=$msg" ]] || { echo "expected 'check=$msg', got '$got'"; return 1; }
  echo "topic $topic: produced and consumed '$msg'"
}

check_airflow3_version() {
  local v
  v="$(http_get "$AIRFLOW3_URL/api/v2/version" | json_get version)" || { echo "no answer from $AIRFLOW3_URL/api/v2/version"; return 1; }
  [[ "$v" == 3.* ]] || { echo "version $v is not 3.x"; return 1; }
  echo "$AIRFLOW3_URL version $v"
}

check_airflow2_health() {
  local h
  h="$(http_get "$AIRFLOW2_URL/api/v1/health")" || { echo "no answer from $AIRFLOW2_URL/api/v1/health"; return 1; }
  echo "$h"
}

check_postgres() {
  local r
  r="$(workbench_psql "$KAW_PG_DB_WORKBENCH" -tA -c "SELECT current_user || '@' || current_database() || ' ' || current_setting('server_version')")" || return 1
  echo "$r on $KAW_HOST:$KAW_PG_PORT"
}

check_source_api() {
  local day total
  day="$(date -u -d yesterday +%F)"
  total="$(http_get "$SOURCE_API_URL/timelines?date=$day&page_size=1" | json_get total)" || { echo "no answer from $SOURCE_API_URL/timelines"; return 1; }
  echo "$SOURCE_API_URL: $total timeline events on $day"
}

# Put, read back and delete one object with the stack's key pair (a signed request).
check_object_store() {
  local key="check-sh/$(date +%s)-$RANDOM.txt" body got
  body="hello from check.sh $key"
  s3_curl PUT "/$KAW_S3_BUCKET/$key" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' --data-binary "$body" >/dev/null ||
    { echo "PUT s3://$KAW_S3_BUCKET/$key at $S3_ENDPOINT failed"; return 1; }
  got="$(s3_curl GET "/$KAW_S3_BUCKET/$key")" || { echo "GET s3://$KAW_S3_BUCKET/$key failed"; return 1; }
  s3_curl DELETE "/$KAW_S3_BUCKET/$key" >/dev/null || { echo "DELETE s3://$KAW_S3_BUCKET/$key failed"; return 1; }
  [[ "$got" == "$body" ]] || { echo "read back '$got', expected '$body'"; return 1; }
  echo "$S3_ENDPOINT: put, read and deleted s3://$KAW_S3_BUCKET/$key"
}

check_mail() {
  local total
  total="$(http_get "$MAIL_API_URL/api/v1/messages?limit=1" | json_get total)" || { echo "no answer from $MAIL_API_URL/api/v1/messages"; return 1; }
  port_open "$KAW_SMTP_PORT" || { echo "nothing listens on SMTP port $KAW_SMTP_PORT"; return 1; }
  echo "$MAIL_API_URL: $total messages; SMTP $KAW_HOST:$KAW_SMTP_PORT open"
}

# wait_dag_state POLL_FN RUN_ID : POLL_FN RUN_ID prints the run's state; waits up to
# KAW_DAG_TIMEOUT (240) s for success.
wait_dag_state() {
  local poll=$1 run_id=$2 deadline=$((SECONDS + ${KAW_DAG_TIMEOUT:-240})) state=""
  while ((SECONDS < deadline)); do
    state="$($poll "$run_id" 2>/dev/null || true)"
    case $state in
      success) echo "run $run_id: success"; return 0 ;;
      failed) echo "run $run_id: failed"; return 1 ;;
    esac
    sleep 2
  done
  echo "run $run_id still '${state:-unknown}' after ${KAW_DAG_TIMEOUT:-240}s"
  return 1
}

AF3_TOKEN=""
af3_curl() { curl -fsS --max-time 10 -H "Authorization: Bearer $AF3_TOKEN" -H 'Content-Type: application/json' "$@"; }
af3_run_state() { af3_curl "$AIRFLOW3_URL/api/v2/dags/workbench_smoke/dagRuns/$1" | json_get state; }

check_airflow3_dag_run() {
  AF3_TOKEN="$(airflow3_token)" || { echo "POST /auth/token failed"; return 1; }
  # The DAG shows up after the dag-processor parsed it (refresh interval 10 s).
  local deadline=$((SECONDS + 120))
  until af3_curl "$AIRFLOW3_URL/api/v2/dags/workbench_smoke" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { echo "DAG workbench_smoke not found in Airflow 3 after 120s"; return 1; }
    sleep 2
  done
  af3_curl -X PATCH "$AIRFLOW3_URL/api/v2/dags/workbench_smoke" -d '{"is_paused": false}' >/dev/null
  local run_id
  run_id="$(af3_curl -X POST "$AIRFLOW3_URL/api/v2/dags/workbench_smoke/dagRuns" -d '{"logical_date": null}' | json_get dag_run_id)" ||
    { echo "POST dagRuns failed"; return 1; }
  wait_dag_state af3_run_state "$run_id"
}

af2_curl() { curl -fsS --max-time 10 -u "$KAW_AIRFLOW_USER:$KAW_AIRFLOW_PASSWORD" -H 'Content-Type: application/json' "$@"; }
af2_run_state() { af2_curl "$AIRFLOW2_URL/api/v1/dags/workbench_smoke_v2/dagRuns/$1" | json_get state; }

check_airflow2_dag_run() {
  local deadline=$((SECONDS + 120))
  until af2_curl "$AIRFLOW2_URL/api/v1/dags/workbench_smoke_v2" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { echo "DAG workbench_smoke_v2 not found in Airflow 2 after 120s"; return 1; }
    sleep 2
  done
  af2_curl -X PATCH "$AIRFLOW2_URL/api/v1/dags/workbench_smoke_v2" -d '{"is_paused": false}' >/dev/null
  local run_id
  run_id="$(af2_curl -X POST "$AIRFLOW2_URL/api/v1/dags/workbench_smoke_v2/dagRuns" -d '{}' | json_get dag_run_id)" ||
    { echo "POST dagRuns failed"; return 1; }
  wait_dag_state af2_run_state "$run_id"
}

# Schema registry: register an Avro schema under subject kaw-check-value (the same schema each
# time, so the same id), read it back by id.
check_schema_registry() {
  local body='{"schema": "{\"type\": \"record\", \"name\": \"KawCheck\", \"fields\": [{\"name\": \"n\", \"type\": \"int\"}]}"}'
  local id got
  id="$(curl -fsS --max-time 5 -X POST -H 'Content-Type: application/vnd.schemaregistry.v1+json' -d "$body" \
    "$SCHEMA_REGISTRY_URL/subjects/kaw-check-value/versions" | json_get id)" || { echo "no answer from $SCHEMA_REGISTRY_URL"; return 1; }
  got="$(http_get "$SCHEMA_REGISTRY_URL/schemas/ids/$id" | json_get schema)" || { echo "schema id $id not readable"; return 1; }
  [[ "$got" == *KawCheck* ]] || { echo "schema id $id is not the one registered: $got"; return 1; }
  echo "$SCHEMA_REGISTRY_URL: subject kaw-check-value is schema id $id"
}

check "kafka produce+consume (kcat)" check_kafka
check "schema registry register+read" check_schema_registry
check "airflow3 GET /api/v2/version" check_airflow3_version
if [[ "${KAW_SKIP_AIRFLOW2:-0}" != 1 ]]; then
  check "airflow2 GET /api/v1/health" check_airflow2_health
fi
check "postgres psql as workbench" check_postgres
check "source-api GET /timelines" check_source_api
check "object-store S3 put+get+delete" check_object_store
check "mail GET /api/v1/messages" check_mail
if ((DAG_RUN)); then
  check "airflow3 run workbench_smoke" check_airflow3_dag_run
  if [[ "${KAW_SKIP_AIRFLOW2:-0}" != 1 ]]; then
    check "airflow2 run workbench_smoke_v2" check_airflow2_dag_run
  fi
fi

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
